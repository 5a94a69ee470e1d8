#include "engine/nn/init.h"

#include <cmath>

#include "engine/ops/elementwise.h"

namespace msq::nn::init {

namespace {

int64_t receptive_field(const Shape& s) {
  int64_t r = 1;
  for (size_t i = 2; i < s.size(); ++i) r *= s[i];
  return r;
}

}  // namespace

int64_t fan_in(const Shape& s) {
  check(s.size() >= 2, "init", "fan_in needs a weight of at least 2 dims, got ", shape_str(s));
  return s[1] * receptive_field(s);
}

int64_t fan_out(const Shape& s) {
  check(s.size() >= 2, "init", "fan_out needs a weight of at least 2 dims, got ", shape_str(s));
  return s[0] * receptive_field(s);
}

Tensor kaiming_uniform(const Shape& shape, double a, bool use_fan_out, DType dtype) {
  const int64_t fan = use_fan_out ? fan_out(shape) : fan_in(shape);
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = fan > 0 ? gain * std::sqrt(3.0 / double(fan)) : 0.0;
  return uniform(shape, -bound, bound, dtype);
}

Tensor kaiming_normal(const Shape& shape, bool use_fan_out, DType dtype) {
  const int64_t fan = use_fan_out ? fan_out(shape) : fan_in(shape);
  const double stddev = fan > 0 ? std::sqrt(2.0 / double(fan)) : 0.0;
  return mul(randn(shape, dtype), stddev);
}

Tensor default_bias(const Shape& shape, int64_t fan_in, DType dtype) {
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
  return uniform(shape, -bound, bound, dtype);
}

}  // namespace msq::nn::init
