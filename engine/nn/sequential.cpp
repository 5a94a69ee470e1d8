#include "engine/nn/sequential.h"

#include <string>

#include "engine/nn/fusion.h"

namespace msq::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> module) {
  add_child(std::to_string(children().size()), std::move(module));
  return *this;
}

// Pairs such as BatchNorm2d + ReLU run fused (engine/nn/fusion.h).
Tensor Sequential::forward(const Tensor& x) { return forward_in_order(children(), x); }

}  // namespace msq::nn
