// Layers with parameters: Conv2d, BatchNorm2d, Linear. Parameter and buffer names and
// default initialisation follow torch.nn, so state_dict keys and a seeded init line up.
#pragma once
#include "engine/nn/fusion.h"
#include "engine/nn/module.h"
#include "engine/ops/conv.h"

namespace msq::nn {

// Parameters "weight" [out, in / groups, KH, KW] and, with bias, "bias" [out].
// forward_act: with a bias, the convolution without it, then bias + activation in one op.
class Conv2d : public Module, public FusesActivation {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride = 1,
         Size2 padding = 0, Size2 dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;  // [B, in, H, W] -> [B, out, Ho, Wo]
  Tensor forward_act(const Tensor& x, FusedAct act) override;
  std::string type_name() const override { return "Conv2d"; }

  int64_t in_channels, out_channels, groups;
  Size2 kernel, stride, padding, dilation;
};

// Parameters "weight", "bias" [C] (affine); buffers "running_mean", "running_var" [C] and
// "num_batches_tracked" (int64, 0-d) when tracking. momentum < 0 means PyTorch's
// momentum=None (a cumulative average over num_batches_tracked).
// forward_act: the normalisation and the activation in one kernel.
class BatchNorm2d : public Module, public FusesActivation {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true);
  Tensor forward(const Tensor& x) override;  // [B, C, H, W] -> same
  Tensor forward_act(const Tensor& x, FusedAct act) override;
  std::string type_name() const override { return "BatchNorm2d"; }

  int64_t num_features;
  double eps, momentum;
  bool affine, track_running_stats;
};

// Parameters "weight" [out, in] and, with bias, "bias" [out].
// forward_act: for a [B, in] input with a bias, the product without it, then bias +
// activation in one op (other inputs: unfused).
class Linear : public Module, public FusesActivation {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;  // [..., in] -> [..., out]
  Tensor forward_act(const Tensor& x, FusedAct act) override;
  std::string type_name() const override { return "Linear"; }

  int64_t in_features, out_features;
};

// A direct parameter or buffer of m by name (undefined when absent).
Tensor own_tensor(Module& m, const std::string& name);

}  // namespace msq::nn
