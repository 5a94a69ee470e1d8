// Activation fusion in modules: a layer followed by ReLU or SiLU runs as one kernel where
// the backend has one (batch norm + activation, bias add + activation), instead of two
// passes over memory. The model code stays as torchvision writes it (a BatchNorm2d then a
// ReLU module, names and state_dict keys unchanged); Sequential fuses such pairs itself,
// hand-written forwards call forward_act (add_activation for a residual sum + ReLU).
//
// On by default; set_fuse_activations(false) or the environment variable
// MSQ_FUSE_ACTIVATIONS=0 runs every pair unfused (the same results up to rounding: the
// fused kernels compute the same formulas; tests compare the two).
#pragma once
#include "engine/nn/module.h"
#include "kernels/op_kinds.h"

namespace msq::nn {

void set_fuse_activations(bool on);
bool fuse_activations();

// A module that can apply an activation to its output in its own kernel.
class FusesActivation {
 public:
  virtual ~FusesActivation() = default;
  // act(forward(x)): fused when fuse_activations(), else the two ops one after the other.
  virtual Tensor forward_act(const Tensor& x, FusedAct act) = 0;
};

// The activation a module computes: Relu for nn::ReLU, Silu for nn::SiLU, None otherwise.
FusedAct activation_of(const Module& m);

// act(y) as an ordinary op (the unfused path).
Tensor apply_activation(const Tensor& y, FusedAct act);

// act(a + b), a residual sum and its activation: one add_act op (engine/ops/add_act.h) when
// fuse_activations() and a, b have one shape, else add (broadcasting) then the activation.
Tensor add_activation(const Tensor& a, const Tensor& b, FusedAct act);

// Runs `modules` in order on x; a module that FusesActivation followed by a ReLU / SiLU
// module runs as one forward_act and the activation module is skipped (Sequential's
// forward, and any container that runs its children in order).
Tensor forward_in_order(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules,
                        const Tensor& x);

}  // namespace msq::nn
