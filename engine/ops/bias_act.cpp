#include "engine/ops/bias_act.h"

#include "engine/autograd/node.h"
#include "kernels/backend.h"

namespace msq {

// x: [B, C, *] -> [B, C, *]
Tensor bias_act(const Tensor& x, const Tensor& bias, FusedAct act) {
  const char* op = "bias_act";
  check(x.defined() && bias.defined(), op, "input and bias must be defined");
  check(x.dim() >= 2, op, "expects an input [B, C, ...], got shape ", shape_str(x.shape()));
  check(is_floating(x.dtype()), op, "expects a floating input, got ", dtype_name(x.dtype()));
  check(bias.dim() == 1 && bias.size(0) == x.size(1) && bias.dtype() == x.dtype() &&
            bias.device() == x.device(),
        op, "bias must be a [", x.size(1), "] tensor of ", dtype_name(x.dtype()), " on ",
        x.device().str(), ", got ", shape_str(bias.shape()), " of ", dtype_name(bias.dtype()));
  const int64_t batch = x.size(0), channels = x.size(1);
  const int64_t hw = batch == 0 || channels == 0 ? 0 : x.numel() / (batch * channels);
  Tensor xd = x.detach().contiguous();
  Tensor bd = bias.detach().contiguous();
  Tensor y = Tensor::empty(x.shape(), x.options());
  if (y.numel() > 0) {
    backend(x.device())
        .bias_act_forward(y.view({batch, channels, hw}).view_for_kernel(),
                          xd.view({batch, channels, hw}).view_for_kernel(), bd.view_for_kernel(), act);
  }
  if (!any_requires_grad({x, bias})) return y;
  const bool need_x = x.requires_grad(), need_b = bias.requires_grad();
  record_backward("bias_act", {x, bias}, {y}, [=](const std::vector<Tensor>& gs) {
    Tensor gy = gs[0].contiguous();
    Tensor gx = need_x ? Tensor::empty(xd.shape(), xd.options()) : Tensor();
    Tensor gb = need_b ? Tensor::empty({channels}, xd.options()) : Tensor();
    backend(gy.device())
        .bias_act_backward(need_x ? gx.view({batch, channels, hw}).view_for_kernel() : StridedView{},
                           need_b ? gb.view_for_kernel() : StridedView{},
                           gy.view({batch, channels, hw}).view_for_kernel(),
                           xd.view({batch, channels, hw}).view_for_kernel(), bd.view_for_kernel(), act);
    return std::vector<Tensor>{gx, gb};
  });
  return y;
}

}  // namespace msq
