// Sequential: children named "0", "1", ... run in order, as torch.nn.Sequential (so
// "features.0.weight" style state_dict keys line up). A layer followed by a ReLU / SiLU
// runs as one fused op (engine/nn/fusion.h).
#pragma once
#include <initializer_list>
#include <memory>
#include <vector>

#include "engine/nn/module.h"

namespace msq::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules);
  // Appends a module named by its position; returns this for chaining.
  Sequential& push_back(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return children().size(); }
  std::shared_ptr<Module> operator[](size_t i) const { return children().at(i).second; }
};

}  // namespace msq::nn
