#include "engine/ops/conv.h"

#include "engine/autograd/node.h"
#include "kernels/backend.h"

namespace msq {

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                         bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  int64_t out = (span + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  // PyTorch: the last window of ceil mode must start inside the image or left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

namespace {

void check_conv_args(const Tensor& x, const Tensor& w, const Tensor& bias, Size2 stride,
                     Size2 padding, Size2 dilation, int64_t groups) {
  const char* op = "conv2d";
  check(x.defined() && w.defined(), op, "input or weight is undefined");
  check(x.dim() == 4, op, "expects a 4-d input [B, C, H, W], got ", x.dim(), "-d of shape ",
        shape_str(x.shape()));
  check(w.dim() == 4, op, "expects a 4-d weight [Cout, Cin / groups, KH, KW], got shape ",
        shape_str(w.shape()));
  check(is_floating(x.dtype()) && x.dtype() == w.dtype(), op,
        "expects floating input and weight of one dtype, got ", dtype_name(x.dtype()), " and ",
        dtype_name(w.dtype()));
  check(x.device() == w.device(), op, "input and weight are on different devices (",
        x.device().str(), " and ", w.device().str(), ")");
  check(groups >= 1, op, "groups must be positive, got ", groups);
  check(stride.h >= 1 && stride.w >= 1 && dilation.h >= 1 && dilation.w >= 1, op,
        "stride and dilation must be positive");
  check(padding.h >= 0 && padding.w >= 0, op, "padding must be non-negative");
  const int64_t cin = x.size(1), cout = w.size(0);
  check(cin % groups == 0 && cout % groups == 0, op, "input channels (", cin,
        ") and output channels (", cout, ") must be divisible by groups (", groups, ")");
  check(w.size(1) * groups == cin, op, "weight of shape ", shape_str(w.shape()), " with groups ",
        groups, " expects ", w.size(1) * groups, " input channels, but input ",
        shape_str(x.shape()), " has ", cin);
  const int64_t kh = dilation.h * (w.size(2) - 1) + 1, kw = dilation.w * (w.size(3) - 1) + 1;
  check(kh <= x.size(2) + 2 * padding.h && kw <= x.size(3) + 2 * padding.w, op, "kernel ", kh, "x",
        kw, " (dilated) is larger than the padded input ", x.size(2) + 2 * padding.h, "x",
        x.size(3) + 2 * padding.w, " (input ", shape_str(x.shape()), ", weight ",
        shape_str(w.shape()), ")");
  if (bias.defined()) {
    check(bias.dim() == 1 && bias.size(0) == cout && bias.dtype() == x.dtype() &&
              bias.device() == x.device(),
          op, "bias must be [", cout, "] of ", dtype_name(x.dtype()), ", got ",
          shape_str(bias.shape()), " of ", dtype_name(bias.dtype()));
  }
}

}  // namespace

// x: [B, Cin, H, W], weight: [Cout, Cin / groups, KH, KW], bias: [Cout] -> [B, Cout, Ho, Wo]
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
              Size2 padding, Size2 dilation, int64_t groups) {
  check_conv_args(x, weight, bias, stride, padding, dilation, groups);
  Conv2dParams p;
  p.stride_h = stride.h, p.stride_w = stride.w;
  p.pad_h = padding.h, p.pad_w = padding.w;
  p.dilation_h = dilation.h, p.dilation_w = dilation.w;
  p.groups = groups;
  const int64_t out_h =
      conv_output_size(x.size(2), weight.size(2), stride.h, padding.h, dilation.h);
  const int64_t out_w =
      conv_output_size(x.size(3), weight.size(3), stride.w, padding.w, dilation.w);
  Tensor xd = x.detach().contiguous(), wd = weight.detach().contiguous();
  Tensor bd = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = Tensor::empty({x.size(0), weight.size(0), out_h, out_w}, x.options());
  Backend& be = backend(x.device());
  if (y.numel() > 0) {
    be.conv2d_forward(y.view_for_kernel(), xd.view_for_kernel(), wd.view_for_kernel(),
                      bd.defined() ? bd.view_for_kernel() : StridedView{}, p);
  }
  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  if (!any_requires_grad(inputs)) return y;
  const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  const bool has_bias = bias.defined(), need_b = has_bias && bias.requires_grad();
  record_backward("conv2d", inputs, {y}, [=](const std::vector<Tensor>& gs) {
    Tensor gy = gs[0].contiguous();
    std::vector<Tensor> grads(has_bias ? 3 : 2);
    Backend& b = backend(gy.device());
    if (need_x) {
      grads[0] = Tensor::empty(xd.shape(), xd.options());
      if (gy.numel() > 0) {
        b.conv2d_backward_input(grads[0].view_for_kernel(), gy.view_for_kernel(),
                                wd.view_for_kernel(), p);
      } else {
        grads[0].zero_();
      }
    }
    if (need_w || need_b) {
      Tensor gw = Tensor::empty(wd.shape(), wd.options());
      Tensor gb = need_b ? Tensor::empty(bd.shape(), bd.options()) : Tensor();
      if (gy.numel() > 0) {
        b.conv2d_backward_weight(gw.view_for_kernel(),
                                 need_b ? gb.view_for_kernel() : StridedView{},
                                 gy.view_for_kernel(), xd.view_for_kernel(), p);
      } else {
        gw.zero_();
        if (need_b) gb.zero_();
      }
      if (need_w) grads[1] = gw;
      if (need_b) grads[2] = gb;
    }
    return grads;
  });
  return y;
}

}  // namespace msq
