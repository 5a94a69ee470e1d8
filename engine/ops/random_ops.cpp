#include "engine/ops/random_ops.h"

#include "engine/ops/elementwise.h"

namespace msq {

Tensor bernoulli_mask(const Shape& shape, double p, Device device) {
  check(p >= 0.0 && p <= 1.0, "bernoulli", "probability must be in [0, 1], got ", p);
  return lt(rand(shape, TensorOptions(DType::Float32).with_device(device)), p);
}

Tensor dropout(const Tensor& x, double p, bool training) {
  check(p >= 0.0 && p <= 1.0, "dropout", "probability must be in [0, 1], got ", p);
  check(is_floating(x.dtype()), "dropout", "expects a floating tensor, got ", dtype_name(x.dtype()));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return mul(x, 0.0);
  Tensor keep = bernoulli_mask(x.shape(), 1.0 - p, x.device()).to(x.dtype());
  return mul(x, mul(keep, 1.0 / (1.0 - p)));
}

}  // namespace msq
