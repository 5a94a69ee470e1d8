#include "engine/nn/conv_layers.h"

#include <cmath>

#include "engine/autograd/grad_mode.h"
#include "engine/nn/init.h"
#include "engine/ops/bias_act.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linalg.h"
#include "engine/ops/normalization.h"

namespace msq::nn {

Tensor own_tensor(Module& m, const std::string& name) {
  for (auto& [n, t] : m.own_parameters()) {
    if (n == name) return t;
  }
  for (auto& [n, t] : m.own_buffers()) {
    if (n == name) return t;
  }
  return Tensor();
}

// ---- Conv2d ---------------------------------------------------------------------------------

Conv2d::Conv2d(int64_t in, int64_t out, Size2 kernel_, Size2 stride_, Size2 padding_,
               Size2 dilation_, int64_t groups_, bool bias)
    : in_channels(in),
      out_channels(out),
      groups(groups_),
      kernel(kernel_),
      stride(stride_),
      padding(padding_),
      dilation(dilation_) {
  check(in > 0 && out > 0 && groups > 0, "Conv2d", "channels and groups must be positive, got ", in,
        " -> ", out, " with groups ", groups);
  check(in % groups == 0 && out % groups == 0, "Conv2d", "in_channels (", in,
        ") and out_channels (", out, ") must be divisible by groups (", groups, ")");
  check(kernel.h > 0 && kernel.w > 0, "Conv2d", "kernel must be positive");
  Shape w_shape{out, in / groups, kernel.h, kernel.w};
  register_parameter("weight", init::kaiming_uniform(w_shape, std::sqrt(5.0)));
  if (bias) register_parameter("bias", init::default_bias({out}, init::fan_in(w_shape)));
}

Tensor Conv2d::forward(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == in_channels, "Conv2d", "expects an input [B, ", in_channels,
        ", H, W], got shape ", shape_str(x.shape()));
  return conv2d(x, own_tensor(*this, "weight"), own_tensor(*this, "bias"), stride, padding,
                dilation, groups);
}

Tensor Conv2d::forward_act(const Tensor& x, FusedAct act) {
  Tensor bias = own_tensor(*this, "bias");
  if (act == FusedAct::None || !bias.defined() || !fuse_activations()) {
    return apply_activation(forward(x), act);
  }
  check(x.dim() == 4 && x.size(1) == in_channels, "Conv2d", "expects an input [B, ", in_channels,
        ", H, W], got shape ", shape_str(x.shape()));
  return bias_act(conv2d(x, own_tensor(*this, "weight"), Tensor(), stride, padding, dilation, groups),
                  bias, act);
}

// ---- BatchNorm2d ----------------------------------------------------------------------------

BatchNorm2d::BatchNorm2d(int64_t n, double eps_, double momentum_, bool affine_, bool track)
    : num_features(n), eps(eps_), momentum(momentum_), affine(affine_), track_running_stats(track) {
  check(n > 0, "BatchNorm2d", "num_features must be positive, got ", n);
  if (affine) {
    register_parameter("weight", ones({n}));
    register_parameter("bias", zeros({n}));
  }
  if (track) {
    register_buffer("running_mean", zeros({n}));
    register_buffer("running_var", ones({n}));
    register_buffer("num_batches_tracked", zeros({}, DType::Int64));
  }
}

Tensor BatchNorm2d::forward(const Tensor& x) { return forward_act(x, FusedAct::None); }

Tensor BatchNorm2d::forward_act(const Tensor& x, FusedAct act) {
  if (act != FusedAct::None && !fuse_activations()) return apply_activation(forward(x), act);
  check(x.dim() == 4 && x.size(1) == num_features, "BatchNorm2d", "expects an input [B, ",
        num_features, ", H, W], got shape ", shape_str(x.shape()));
  double m = momentum;
  Tensor rm = own_tensor(*this, "running_mean"), rv = own_tensor(*this, "running_var");
  if (is_training() && track_running_stats) {
    Tensor count = own_tensor(*this, "num_batches_tracked");
    NoGradGuard no_grad;
    // Counted on the device: no host read per layer and step (one would also make the step
    // impossible to capture in a CUDA graph). The cumulative average (momentum < 0) reads it.
    add_(count, scalar_tensor(1.0, count.options()));
    if (m < 0) m = 1.0 / count.item();
  }
  return batch_norm(x, own_tensor(*this, "weight"), own_tensor(*this, "bias"), rm, rv,
                    is_training() || !track_running_stats, m, eps, act);
}

// ---- Linear ---------------------------------------------------------------------------------

Linear::Linear(int64_t in, int64_t out, bool bias) : in_features(in), out_features(out) {
  check(in > 0 && out > 0, "Linear", "features must be positive, got ", in, " -> ", out);
  register_parameter("weight", init::kaiming_uniform({out, in}, std::sqrt(5.0)));
  if (bias) register_parameter("bias", init::default_bias({out}, in));
}

Tensor Linear::forward(const Tensor& x) {
  check(x.dim() >= 1 && x.size(-1) == in_features, "Linear", "expects an input [..., ", in_features,
        "], got shape ", shape_str(x.shape()));
  return linear(x, own_tensor(*this, "weight"), own_tensor(*this, "bias"));
}

Tensor Linear::forward_act(const Tensor& x, FusedAct act) {
  Tensor bias = own_tensor(*this, "bias");
  if (act == FusedAct::None || !bias.defined() || x.dim() != 2 || !fuse_activations()) {
    return apply_activation(forward(x), act);
  }
  check(x.size(1) == in_features, "Linear", "expects an input [..., ", in_features,
        "], got shape ", shape_str(x.shape()));
  return bias_act(linear(x, own_tensor(*this, "weight"), Tensor()), bias, act);
}

}  // namespace msq::nn
