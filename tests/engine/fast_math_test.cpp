// The vectorisable float exp (kernels/common/fast_exp.h) against the C library.
#include <cmath>
#include <limits>

#include "kernels/common/fast_exp.h"
#include "test_support.h"

TEST_CASE("exp_f32 is within 2 ulp of expf on its whole range") {
  double worst = 0;
  for (float x = -87.3f; x <= 88.7f; x += 0.001953125f) {
    double want = std::exp(static_cast<double>(x));
    double got = msq::math::exp_f32(x);
    worst = std::max(worst, std::fabs(got - want) / want);
  }
  CHECK(worst < 2.5e-7);  // 2 ulp of float is 2.4e-7
}

TEST_CASE("exp_f32 edges: overflow, underflow, NaN, exact points") {
  CHECK(std::isinf(msq::math::exp_f32(89.0f)));
  CHECK(std::isinf(msq::math::exp_f32(std::numeric_limits<float>::infinity())));
  CHECK(msq::math::exp_f32(-88.0f) == 0.0f);  // below FLT_MIN: flushed
  CHECK(msq::math::exp_f32(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(std::isnan(msq::math::exp_f32(std::nanf(""))));
  CHECK(msq::math::exp_f32(0.0f) == 1.0f);
  CHECK(msq::math::exp_f32(1.0f) == doctest::Approx(2.718281828).epsilon(2e-7));
}
