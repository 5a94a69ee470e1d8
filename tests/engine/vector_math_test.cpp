// The 8-lane forms of exp, sigmoid and SiLU (kernels/cpu/vector_math.h) against float64
// math and against the scalar forms, over the whole float range: tails, the exp clamps at
// -87.3 and 88.72, infinities, NaN, signed zero, and lengths that are not multiples of 8.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/unary_math.h"
#include "kernels/cpu/vector_math.h"

namespace {

using msq::UnaryOp;

double reference(UnaryOp op, double x) {
  if (op == UnaryOp::Exp) return std::exp(x);
  const double s = 1.0 / (1.0 + std::exp(-x));
  return op == UnaryOp::Sigmoid ? s : x * s;
}

std::vector<float> inputs() {
  std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 20.0f, -20.0f, 87.0f, -87.0f, 88.7f, 88.72f,
                          88.73f, 89.0f, -87.29f, -87.31f, -88.0f, -103.0f, 1000.0f, -1000.0f,
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(), 1e-30f, -1e-30f};
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> wide(-90.0f, 90.0f), narrow(-6.0f, 6.0f);
  for (int i = 0; i < 2000; ++i) x.push_back(i % 2 ? wide(gen) : narrow(gen));
  x.push_back(1.0f);  // an odd length: the scalar tail runs too
  return x;
}

}  // namespace

TEST_CASE("vector exp, sigmoid and silu match float64 and the scalar forms") {
  const std::vector<float> x = inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  for (UnaryOp op : {UnaryOp::Exp, UnaryOp::Sigmoid, UnaryOp::Silu}) {
    const std::string name = msq::unary_op_name(op);
    CAPTURE(name);
    std::vector<float> y(x.size());
    REQUIRE(msq::cpu::vec::unary_contiguous(op, y.data(), x.data(), n));
    for (int64_t i = 0; i < n; ++i) {
      CAPTURE(x[i]);
      const float scalar = msq::math::unary<float>(op, x[i], 0.0f, 0.0f);
      const double ref = reference(op, double(x[i]));
      if (std::isnan(ref) || std::fabs(ref) > std::numeric_limits<float>::max() || std::isinf(scalar) ||
          scalar == 0.0f) {
        CHECK(((std::isnan(y[i]) && std::isnan(scalar)) || y[i] == scalar));
        continue;
      }
      // The scalar form flushes results below FLT_MIN to 0; compare relative error above it.
      if (std::fabs(ref) < 1e-37) continue;
      CHECK(std::fabs(double(y[i]) - ref) <= 4e-7 * std::fabs(ref));
      CHECK(std::fabs(y[i] - scalar) <= 2e-7f * std::fabs(scalar));
    }
  }
  std::vector<float> nan_in(9, std::nanf("")), nan_out(9);
  REQUIRE(msq::cpu::vec::unary_contiguous(UnaryOp::Silu, nan_out.data(), nan_in.data(), 9));
  for (float v : nan_out) CHECK(std::isnan(v));
  std::vector<float> unused(8);
  CHECK_FALSE(msq::cpu::vec::unary_contiguous(UnaryOp::Tanh, unused.data(), unused.data(), 8));
}

TEST_CASE("vector sigmoid and silu gradients match float64") {
  std::vector<float> x = inputs();
  x.erase(std::remove_if(x.begin(), x.end(), [](float v) { return std::isinf(v); }), x.end());
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> g(x.size()), y(x.size()), gx(x.size());
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (auto& v : g) v = u(gen);
  for (UnaryOp op : {UnaryOp::Sigmoid, UnaryOp::Silu}) {
    const std::string name = msq::unary_op_name(op);
    CAPTURE(name);
    for (int64_t i = 0; i < n; ++i) y[i] = msq::math::unary<float>(op, x[i], 0.0f, 0.0f);
    REQUIRE(msq::cpu::vec::unary_grad_contiguous(op, gx.data(), g.data(), x.data(), y.data(), n));
    for (int64_t i = 0; i < n; ++i) {
      CAPTURE(x[i]);
      const double xd = x[i], s = 1.0 / (1.0 + std::exp(-xd));
      const double ref = op == UnaryOp::Sigmoid ? g[i] * double(y[i]) * (1.0 - double(y[i]))
                                                : g[i] * s * (1.0 + xd * (1.0 - s));
      CHECK(std::fabs(double(gx[i]) - ref) <= 1e-6 * (std::fabs(double(g[i])) + 1e-30) + 1e-6 * std::fabs(ref));
    }
  }
}
