#include "engine/ops/normalization.h"

#include "engine/autograd/node.h"
#include "kernels/backend.h"

namespace msq {

namespace {

void check_channel_tensor(const Tensor& t, const Tensor& x, const char* what) {
  if (!t.defined()) return;
  check(t.dim() == 1 && t.size(0) == x.size(1) && t.dtype() == x.dtype() &&
            t.device() == x.device() && t.is_contiguous(),
        "batch_norm", what, " must be a contiguous [", x.size(1), "] tensor of ",
        dtype_name(x.dtype()), ", got ", shape_str(t.shape()), " of ", dtype_name(t.dtype()));
}

StridedView kernel_view(const Tensor& t) {
  return t.defined() ? t.view_for_kernel() : StridedView{};
}

}  // namespace

// x: [B, C, *] -> [B, C, *]; statistics per channel over B and *.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps, FusedAct act) {
  const char* op = "batch_norm";
  check(x.defined(), op, "input is undefined");
  check(x.dim() >= 2, op, "expects an input [B, C, ...], got shape ", shape_str(x.shape()));
  check(is_floating(x.dtype()), op, "expects a floating input, got ", dtype_name(x.dtype()));
  check(running_mean.defined() == running_var.defined(), op,
        "running_mean and running_var must both be given or both be undefined");
  check_channel_tensor(weight, x, "weight");
  check_channel_tensor(bias, x, "bias");
  check_channel_tensor(running_mean, x, "running_mean");
  check_channel_tensor(running_var, x, "running_var");
  check(eps > 0, op, "eps must be positive, got ", eps);
  const int64_t batch = x.size(0), channels = x.size(1);
  const int64_t hw = channels == 0 || batch == 0 ? 0 : x.numel() / (batch * channels);
  const bool use_batch_stats = training || !running_mean.defined();
  if (use_batch_stats) {
    check(batch * hw > 1, op, "expected more than 1 value per channel when training, got input ",
          shape_str(x.shape()));
  }
  Tensor xd = x.detach().contiguous();
  Tensor wd = weight.defined() ? weight.detach() : Tensor();
  Tensor bd = bias.defined() ? bias.detach() : Tensor();
  Tensor y = Tensor::empty(x.shape(), x.options());
  Tensor save_mean = Tensor::empty({channels}, x.options());
  Tensor save_invstd = Tensor::empty({channels}, x.options());
  Tensor rm = running_mean.defined() ? running_mean.detach() : Tensor();
  Tensor rv = running_var.defined() ? running_var.detach() : Tensor();
  backend(x.device())
      .batch_norm_forward(y.view({batch, channels, hw}).view_for_kernel(),
                          save_mean.view_for_kernel(), save_invstd.view_for_kernel(),
                          xd.view({batch, channels, hw}).view_for_kernel(), kernel_view(wd),
                          kernel_view(bd), kernel_view(rm), kernel_view(rv), use_batch_stats,
                          training ? momentum : 0.0, eps, act);
  std::vector<Tensor> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  if (!any_requires_grad(inputs)) return y;
  const bool need_x = x.requires_grad();
  const bool has_w = weight.defined(), need_w = has_w && weight.requires_grad();
  const bool has_b = bias.defined(), need_b = has_b && bias.requires_grad();
  record_backward(act == FusedAct::None ? "batch_norm" : "batch_norm_act", inputs, {y},
                  [=](const std::vector<Tensor>& gs) {
    Tensor gy = gs[0].contiguous();
    Tensor gx = need_x ? Tensor::empty(xd.shape(), xd.options()) : Tensor();
    Tensor gw = need_w ? Tensor::empty({channels}, xd.options()) : Tensor();
    Tensor gb = need_b ? Tensor::empty({channels}, xd.options()) : Tensor();
    backend(gy.device())
        .batch_norm_backward(
            need_x ? gx.view({batch, channels, hw}).view_for_kernel() : StridedView{},
            kernel_view(gw), kernel_view(gb), gy.view({batch, channels, hw}).view_for_kernel(),
            xd.view({batch, channels, hw}).view_for_kernel(), kernel_view(wd), kernel_view(bd),
            save_mean.view_for_kernel(), save_invstd.view_for_kernel(), use_batch_stats, act);
    std::vector<Tensor> grads{gx};
    if (has_w) grads.push_back(gw);
    if (has_b) grads.push_back(gb);
    return grads;
  });
  return y;
}

}  // namespace msq
