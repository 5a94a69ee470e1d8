// nn::Module: a tree of modules owning named parameters and buffers. Full names join the
// path with dots, exactly as PyTorch's state_dict keys ("layer1.0.conv1.weight",
// "bn1.running_mean", "bn1.num_batches_tracked"), so converted weights copy name for name.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"

namespace msq::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  virtual ~Module() = default;
  // The module's computation. Modules with other signatures add their own overloads.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }
  // A short type name for messages and printing ("Conv2d", "Sequential").
  virtual std::string type_name() const { return "Module"; }

  // ---- the tree ------------------------------------------------------------------------
  // Registration order is kept: it is the order of named_parameters() and state_dict().
  Tensor& register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // Direct members (no recursion).
  NamedTensors& own_parameters() { return parameters_; }
  NamedTensors& own_buffers() { return buffers_; }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }
  std::shared_ptr<Module> child(const std::string& name) const;  // null when absent

  // Full dotted names, depth first in registration order.
  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  // Parameters that currently require gradients (what an optimiser should get).
  std::vector<Tensor> trainable_parameters() const;
  // Parameters then buffers of every module, in PyTorch's state_dict order (for each module:
  // its parameters, then its buffers, then its children).
  NamedTensors state_dict() const;
  // Calls f(full_name, module) for this module ("") and every descendant.
  void visit(const std::function<void(const std::string&, Module&)>& f,
             const std::string& prefix = "");

  // Copies values into the named tensors (same shapes; converts dtype and device).
  // Returns the names that were not found in `values`.
  std::vector<std::string> load_state_dict(const NamedTensors& values, bool strict = true);

  // ---- modes and placement ---------------------------------------------------------------
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Moves every parameter and buffer (parameters stay leaves, keep requires_grad).
  void to(Device device);
  void to(DType dtype);  // floating parameters and buffers only
  Device device() const;

  // ---- freezing ------------------------------------------------------------------------
  // Turns requires_grad off for every parameter whose full name starts with one of the
  // prefixes; with keep_batchnorm_eval, modules under those prefixes stay in eval mode even
  // when the model is put in training mode (frozen BatchNorm statistics).
  void freeze(const std::vector<std::string>& prefixes, bool keep_batchnorm_eval = true);
  void unfreeze();
  // Whether train() skips this module (set by freeze()).
  bool frozen_eval() const { return frozen_eval_; }

  int64_t parameter_count(bool trainable_only = false) const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  void collect(const std::string& prefix, NamedTensors& out, bool params, bool buffers,
               bool state_order) const;

  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  bool frozen_eval_ = false;
};

}  // namespace msq::nn
