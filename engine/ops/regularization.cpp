#include "engine/ops/regularization.h"

#include "engine/autograd/node.h"
#include "engine/ops/elementwise.h"

namespace msq {

// x: [B, ...] -> [B, ...], one keep/drop draw per sample.
Tensor drop_path(const Tensor& x, double p, bool training) {
  check(p >= 0.0 && p <= 1.0, "drop_path", "probability must be in [0, 1], got ", p);
  check(x.defined() && x.dim() >= 1, "drop_path", "expects a batched input");
  check(is_floating(x.dtype()), "drop_path", "expects a floating tensor, got ",
        dtype_name(x.dtype()));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return mul(x, 0.0);
  Shape mask_shape(static_cast<size_t>(x.dim()), 1);
  mask_shape[0] = x.size(0);
  Tensor u = rand(mask_shape, TensorOptions(x.dtype()).with_device(x.device()));
  Tensor keep = lt(u, 1.0 - p).to(x.dtype());
  return mul(x, mul(keep, 1.0 / (1.0 - p)));
}

// x: [..., H, W] -> [..., H + top + bottom, W + left + right]
Tensor pad2d(const Tensor& x, int64_t left, int64_t right, int64_t top, int64_t bottom,
             double value) {
  check(x.defined() && x.dim() >= 2, "pad2d", "expects at least 2 dims, got shape ",
        x.defined() ? std::string(shape_str(x.shape())) : std::string("undefined"));
  check(left >= 0 && right >= 0 && top >= 0 && bottom >= 0, "pad2d",
        "paddings must be non-negative, got (", left, ", ", right, ", ", top, ", ", bottom, ")");
  const int64_t h = x.size(-2), w = x.size(-1);
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 2] = h + top + bottom;
  out_shape[out_shape.size() - 1] = w + left + right;
  Tensor y = full(out_shape, value, x.options());
  y.narrow(-2, top, h).narrow(-1, left, w).copy_(x.detach());
  if (!any_requires_grad({x})) return y;
  record_backward("pad2d", {x}, {y}, [=](const std::vector<Tensor>& gs) {
    return std::vector<Tensor>{gs[0].narrow(-2, top, h).narrow(-1, left, w).contiguous()};
  });
  return y;
}

}  // namespace msq
