#include "engine/ops/pooling.h"

#include "engine/autograd/node.h"
#include "kernels/backend.h"

namespace msq {

namespace {

void check_pool_input(const Tensor& x, const char* op) {
  check(x.defined(), op, "input is undefined");
  check(x.dim() == 4, op, "expects a 4-d input [B, C, H, W], got ", x.dim(), "-d of shape ",
        shape_str(x.shape()));
  check(is_floating(x.dtype()), op, "expects a floating input, got ", dtype_name(x.dtype()));
}

// The window parameters and output shape of max/avg pooling, checked as PyTorch does.
Pool2dParams pool_params(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode,
                         const char* op, Shape& out_shape) {
  check_pool_input(x, op);
  if (stride.h == 0 && stride.w == 0) stride = kernel;
  check(kernel.h >= 1 && kernel.w >= 1 && stride.h >= 1 && stride.w >= 1, op,
        "kernel and stride must be positive");
  check(padding.h >= 0 && padding.w >= 0 && 2 * padding.h <= kernel.h && 2 * padding.w <= kernel.w,
        op, "padding (", padding.h, ", ", padding.w, ") must be at most half the kernel (",
        kernel.h, ", ", kernel.w, ")");
  check(kernel.h <= x.size(2) + 2 * padding.h && kernel.w <= x.size(3) + 2 * padding.w, op,
        "kernel ", kernel.h, "x", kernel.w, " is larger than the padded input ",
        x.size(2) + 2 * padding.h, "x", x.size(3) + 2 * padding.w, " (input ", shape_str(x.shape()),
        ")");
  Pool2dParams p;
  p.kernel_h = kernel.h, p.kernel_w = kernel.w;
  p.stride_h = stride.h, p.stride_w = stride.w;
  p.pad_h = padding.h, p.pad_w = padding.w;
  out_shape = {x.size(0), x.size(1),
               conv_output_size(x.size(2), kernel.h, stride.h, padding.h, 1, ceil_mode),
               conv_output_size(x.size(3), kernel.w, stride.w, padding.w, 1, ceil_mode)};
  check(out_shape[2] >= 1 && out_shape[3] >= 1, op, "output would be empty for input ",
        shape_str(x.shape()));
  return p;
}

}  // namespace

// x: [B, C, H, W] -> [B, C, Ho, Wo]
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode) {
  Shape out_shape;
  Pool2dParams p = pool_params(x, kernel, stride, padding, ceil_mode, "max_pool2d", out_shape);
  Tensor xd = x.detach().contiguous();
  Tensor y = Tensor::empty(out_shape, x.options());
  Tensor indices = Tensor::empty(out_shape, TensorOptions(DType::Int64).with_device(x.device()));
  if (y.numel() > 0) {
    backend(x.device())
        .max_pool2d_forward(y.view_for_kernel(), indices.view_for_kernel(), xd.view_for_kernel(),
                            p);
  }
  if (!any_requires_grad({x})) return y;
  Shape in_shape = x.shape();
  TensorOptions opts = x.options().with_requires_grad(false);
  record_backward("max_pool2d", {x}, {y}, [=](const std::vector<Tensor>& gs) {
    Tensor gy = gs[0].contiguous();
    Tensor gx = Tensor::empty(in_shape, opts);
    if (gy.numel() == 0) return std::vector<Tensor>{gx.zero_()};
    backend(gy.device())
        .max_pool2d_backward(gx.view_for_kernel(), gy.view_for_kernel(), indices.view_for_kernel(),
                             p);
    return std::vector<Tensor>{gx};
  });
  return y;
}

// x: [B, C, H, W] -> [B, C, Ho, Wo]
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad, int64_t divisor_override) {
  Shape out_shape;
  Pool2dParams p = pool_params(x, kernel, stride, padding, ceil_mode, "avg_pool2d", out_shape);
  check(divisor_override >= 0, "avg_pool2d", "divisor_override must be positive or 0 (none)");
  p.count_include_pad = count_include_pad;
  p.divisor_override = divisor_override;
  Tensor xd = x.detach().contiguous();
  Tensor y = Tensor::empty(out_shape, x.options());
  if (y.numel() > 0) {
    backend(x.device()).avg_pool2d_forward(y.view_for_kernel(), xd.view_for_kernel(), p);
  }
  if (!any_requires_grad({x})) return y;
  Shape in_shape = x.shape();
  TensorOptions opts = x.options().with_requires_grad(false);
  record_backward("avg_pool2d", {x}, {y}, [=](const std::vector<Tensor>& gs) {
    Tensor gy = gs[0].contiguous();
    Tensor gx = Tensor::empty(in_shape, opts);
    if (gy.numel() == 0) return std::vector<Tensor>{gx.zero_()};
    backend(gy.device()).avg_pool2d_backward(gx.view_for_kernel(), gy.view_for_kernel(), p);
    return std::vector<Tensor>{gx};
  });
  return y;
}

// x: [B, C, H, W] -> [B, C, output.h, output.w]
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output) {
  check_pool_input(x, "adaptive_avg_pool2d");
  check(output.h >= 1 && output.w >= 1, "adaptive_avg_pool2d",
        "output size must be positive, got (", output.h, ", ", output.w, ")");
  check(x.size(2) >= 1 && x.size(3) >= 1, "adaptive_avg_pool2d", "input ", shape_str(x.shape()),
        " has an empty plane");
  Tensor xd = x.detach().contiguous();
  Tensor y = Tensor::empty({x.size(0), x.size(1), output.h, output.w}, x.options());
  if (y.numel() > 0) {
    backend(x.device()).adaptive_avg_pool2d_forward(y.view_for_kernel(), xd.view_for_kernel());
  }
  if (!any_requires_grad({x})) return y;
  Shape in_shape = x.shape();
  TensorOptions opts = x.options().with_requires_grad(false);
  record_backward("adaptive_avg_pool2d", {x}, {y}, [=](const std::vector<Tensor>& gs) {
    Tensor gy = gs[0].contiguous();
    Tensor gx = Tensor::empty(in_shape, opts);
    if (gy.numel() == 0) return std::vector<Tensor>{gx.zero_()};
    backend(gy.device()).adaptive_avg_pool2d_backward(gx.view_for_kernel(), gy.view_for_kernel());
    return std::vector<Tensor>{gx};
  });
  return y;
}

Tensor global_avg_pool2d(const Tensor& x) { return adaptive_avg_pool2d(x, 1); }

}  // namespace msq
