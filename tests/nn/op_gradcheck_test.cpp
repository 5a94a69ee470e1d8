// Finite-difference gradient checks in float64 for the CNN ops (conv2d in every mode,
// batch_norm in training and evaluation, the poolings, pad2d, drop_path), and conv2d's
// forward against a direct-loop reference.
#include <cmath>
#include <sstream>

#include "engine/ops/conv.h"
#include "engine/ops/normalization.h"
#include "engine/ops/pooling.h"
#include "engine/ops/regularization.h"
#include "test_support.h"

using namespace msq;
using msq::test::autograd_gradients;
using msq::test::check_close;
using msq::test::numeric_gradients;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks autograd against central differences for f(inputs) . r with a fixed random r.
void gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& op,
               const std::vector<Tensor>& inputs, const std::string& what, double tol = 1e-6) {
  Tensor probe;
  {
    NoGradGuard ng;
    probe = randn(op(inputs).shape(), DType::Float64);
  }
  Fn f = [&](const std::vector<Tensor>& xs) { return sum(mul(op(xs), probe)); };
  std::vector<Tensor> num = numeric_gradients(f, inputs);
  std::vector<Tensor> ana = autograd_gradients(f, inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_close(ana[i], num[i], tol, tol, what + " input " + std::to_string(i));
  }
}

// A direct-loop reference convolution in double.
Tensor conv_reference(const Tensor& x, const Tensor& w, const Tensor& bias, Size2 s, Size2 pad,
                      Size2 d, int64_t groups) {
  Tensor xc = x.to(DType::Float64).contiguous(), wc = w.to(DType::Float64).contiguous();
  int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  int64_t O = w.size(0), cg = w.size(1), KH = w.size(2), KW = w.size(3);
  int64_t og = O / groups;
  int64_t Ho = (H + 2 * pad.h - d.h * (KH - 1) - 1) / s.h + 1;
  int64_t Wo = (W + 2 * pad.w - d.w * (KW - 1) - 1) / s.w + 1;
  std::vector<double> out(B * O * Ho * Wo, 0.0);
  const double* xp = xc.data<double>();
  const double* wp = wc.data<double>();
  std::vector<double> bv = bias.defined() ? bias.to_vector<double>() : std::vector<double>(O, 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < Ho; ++oh)
        for (int64_t ow = 0; ow < Wo; ++ow) {
          double acc = bv[o];
          int64_t g = o / og;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                int64_t ih = oh * s.h - pad.h + i * d.h, iw = ow * s.w - pad.w + j * d.w;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += xp[((b * C + g * cg + c) * H + ih) * W + iw] *
                       wp[((o * cg + c) * KH + i) * KW + j];
              }
          out[((b * O + o) * Ho + oh) * Wo + ow] = acc;
        }
  (void)C;
  return from_vector(out, {B, O, Ho, Wo});
}

struct ConvCase {
  int64_t b, cin, cout, h, w, kh, kw;
  Size2 stride, pad, dil;
  int64_t groups;
  bool bias;
};

const std::vector<ConvCase> kConvCases = {
    {2, 3, 4, 7, 6, 3, 3, 1, 1, 1, 1, true},                 // plain 3x3, padding
    {2, 4, 6, 8, 7, 3, 3, 2, 1, 1, 1, false},                // strided
    {1, 4, 4, 9, 9, 3, 3, 1, 2, 2, 1, true},                 // dilated
    {2, 4, 6, 6, 5, 3, 2, {2, 1}, {1, 0}, {1, 2}, 2, true},  // grouped, mixed params
    {2, 4, 4, 7, 7, 3, 3, 1, 1, 1, 4, true},                 // depthwise
    {2, 3, 6, 7, 8, 5, 5, 2, 2, 1, 3, false},                // depthwise, multiplier 2, stride 2
    {2, 5, 3, 4, 6, 1, 1, 1, 0, 1, 1, true},                 // pointwise (GEMM path)
    {2, 4, 6, 5, 5, 1, 1, 2, 0, 1, 2, false},                // strided 1x1, groups
    {3, 4, 6, 5, 3, 1, 1, 1, 0, 1, 2, true},                 // grouped pointwise
    {1, 6, 4, 6, 6, 3, 3, 1, 1, 1, 2, true},                 // batch 1 (one thread per GEMM)
};

std::string describe(const ConvCase& c) {
  std::ostringstream s;
  s << "conv B" << c.b << " " << c.cin << "->" << c.cout << " " << c.h << "x" << c.w << " k" << c.kh
    << "x" << c.kw << " s" << c.stride.h << "," << c.stride.w << " p" << c.pad.h << "," << c.pad.w
    << " d" << c.dil.h << "," << c.dil.w << " g" << c.groups;
  return s.str();
}

}  // namespace

TEST_CASE("conv2d forward matches a direct loop (float32 and float64)") {
  manual_seed(1);
  for (const ConvCase& c : kConvCases) {
    for (DType dt : {DType::Float32, DType::Float64}) {
      Tensor x = randn({c.b, c.cin, c.h, c.w}, dt);
      Tensor w = randn({c.cout, c.cin / c.groups, c.kh, c.kw}, dt);
      Tensor bias = c.bias ? randn({c.cout}, dt) : Tensor();
      Tensor y = conv2d(x, w, bias, c.stride, c.pad, c.dil, c.groups);
      Tensor ref = conv_reference(x, w, bias, c.stride, c.pad, c.dil, c.groups);
      double tol = dt == DType::Float32 ? 1e-4 : 1e-12;
      check_close(y, ref, tol, tol, describe(c));
    }
  }
}

TEST_CASE("conv2d gradients by finite differences") {
  manual_seed(2);
  for (const ConvCase& c : kConvCases) {
    Tensor x = randn({c.b, c.cin, c.h, c.w}, DType::Float64);
    Tensor w = randn({c.cout, c.cin / c.groups, c.kh, c.kw}, DType::Float64);
    std::vector<Tensor> inputs{x, w};
    if (c.bias) inputs.push_back(randn({c.cout}, DType::Float64));
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), c.stride, c.pad, c.dil,
                        c.groups);
        },
        inputs, describe(c));
  }
}

TEST_CASE("conv2d bad input names the op and the shapes") {
  Tensor x = randn({1, 4, 5, 5});
  CHECK_THROWS_WITH_AS(conv2d(randn({4, 5, 5}), randn({2, 4, 3, 3})),
                       doctest::Contains("[conv2d] expects a 4-d input"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, randn({2, 3, 3, 3})), doctest::Contains("input channels"),
                       Error);  // 4 != 3 * 1
  CHECK_THROWS_WITH_AS(conv2d(x, randn({3, 2, 3, 3}), Tensor(), 1, 0, 1, 2),
                       doctest::Contains("divisible by groups"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, randn({2, 4, 7, 7})),
                       doctest::Contains("larger than the padded input"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, randn({2, 4, 3})), doctest::Contains("4-d weight"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, randn({2, 4, 3, 3}), randn({3})), doctest::Contains("bias"),
                       Error);
}

TEST_CASE("batch_norm gradients by finite differences, training and evaluation") {
  manual_seed(3);
  for (bool training : {true, false}) {
    for (bool affine : {true, false}) {
      Tensor x = randn({3, 4, 3, 2}, DType::Float64);
      Tensor rm = randn({4}, DType::Float64), rv = add(rand({4}, DType::Float64), 0.5);
      std::vector<Tensor> inputs{x};
      if (affine) {
        inputs.push_back(randn({4}, DType::Float64));
        inputs.push_back(randn({4}, DType::Float64));
      }
      gradcheck(
          [&](const std::vector<Tensor>& v) {
            // fresh running copies so repeated evaluation sees the same statistics
            Tensor m = rm.clone(), s = rv.clone();
            return batch_norm(v[0], affine ? v[1] : Tensor(), affine ? v[2] : Tensor(), m, s,
                              training, 0.1, 1e-5);
          },
          inputs,
          std::string("batch_norm training=") + (training ? "1" : "0") +
              " affine=" + (affine ? "1" : "0"));
    }
  }
}

TEST_CASE("batch_norm statistics and running update") {
  Tensor x = from_vector<double>({1, 2, 3, 4, 10, 20, 30, 40}, {2, 2, 2, 1});
  // channel 0: 1, 2, 10, 20; channel 1: 3, 4, 30, 40
  Tensor rm = zeros({2}, DType::Float64), rv = ones({2}, DType::Float64);
  Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.1, 1e-5);
  std::vector<double> m = rm.to_vector<double>(), v = rv.to_vector<double>();
  CHECK(m[0] == doctest::Approx(0.1 * 8.25));
  CHECK(m[1] == doctest::Approx(0.1 * 19.25));
  // unbiased variance of {1, 2, 10, 20}: mean 8.25, squares 52.5625+39.0625+3.0625+138.0625
  CHECK(v[0] == doctest::Approx(0.9 + 0.1 * (232.75 / 3)));
  CHECK(mean(y).item() == doctest::Approx(0.0).epsilon(1e-9));
  Tensor e = batch_norm(x, Tensor(), Tensor(), rm, rv, false, 0.1, 1e-5);
  CHECK(rm.to_vector<double>() == m);  // evaluation leaves the running stats alone
  CHECK(e.to_vector<double>()[0] == doctest::Approx((1 - m[0]) / std::sqrt(v[0] + 1e-5)));
}

TEST_CASE("pooling gradients by finite differences") {
  manual_seed(4);
  Tensor x = randn({2, 3, 7, 6}, DType::Float64);
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 2); }, {x}, "max 2");
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 3, 2, 1); }, {x},
            "max 3 s2 p1");
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 2, 2, 0, true); }, {x},
            "max 2 ceil");
  gradcheck(
      [](const std::vector<Tensor>& v) {
        return max_pool2d(v[0], {3, 2}, {2, 1}, {1, 0}, true);
      },
      {x}, "max 3x2 ceil");
  gradcheck([](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 2); }, {x}, "avg 2");
  gradcheck([](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 3, 2, 1, true, false); },
            {x}, "avg 3 s2 p1 ceil exclude-pad");
  gradcheck([](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 3, 2, 1, true, true); }, {x},
            "avg 3 s2 p1 ceil include-pad");
  gradcheck(
      [](const std::vector<Tensor>& v) {
        return adaptive_avg_pool2d(v[0], {3, 4});
      },
      {x}, "adaptive 3x4");
  gradcheck([](const std::vector<Tensor>& v) { return global_avg_pool2d(v[0]); }, {x}, "global");
  gradcheck([](const std::vector<Tensor>& v) { return pad2d(v[0], 1, 2, 0, 3); }, {x}, "pad2d");
  // drop_path with the generator reset before every evaluation, so the mask is fixed
  gradcheck(
      [](const std::vector<Tensor>& v) {
        manual_seed(21);
        return drop_path(v[0], 0.4, true);
      },
      {randn({6, 2, 3, 3}, DType::Float64)}, "drop_path");
}

TEST_CASE("pooling values and shapes") {
  Tensor x = arange(16, DType::Float32).reshape({1, 1, 4, 4});
  CHECK(max_pool2d(x, 2).to_vector<float>() == std::vector<float>{5, 7, 13, 15});
  CHECK(avg_pool2d(x, 2).to_vector<float>() == std::vector<float>{2.5, 4.5, 10.5, 12.5});
  CHECK(max_pool2d(randn({1, 1, 5, 5}), 2, 2, 0, true).shape() == Shape{1, 1, 3, 3});
  CHECK(max_pool2d(randn({1, 1, 5, 5}), 2, 2, 0, false).shape() == Shape{1, 1, 2, 2});
  CHECK(global_avg_pool2d(x).item() == doctest::Approx(7.5));
  CHECK_THROWS_WITH_AS(max_pool2d(randn({1, 4, 4}), 2),
                       doctest::Contains("[max_pool2d] expects a 4-d"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 5), doctest::Contains("larger than the padded input"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 2, 2, 2), doctest::Contains("at most half the kernel"), Error);
}

// Which element of a window wins decides where the gradient goes: the first maximum in the
// window's row-major order (ReLU outputs tie at 0 all the time), and the first NaN.
TEST_CASE("max_pool2d picks the first maximum in row-major order, and the first NaN") {
  auto winners = [](const std::vector<float>& values, int64_t k, int64_t stride, int64_t pad) {
    Tensor x = from_vector<float>(values, {1, 1, 4, 4});
    x.requires_grad_(true);
    Tensor y = max_pool2d(x, k, stride, pad);
    y.backward(ones_like(y));
    return std::make_pair(y.to_vector<float>(), x.grad().to_vector<float>());
  };
  // All zeros, 3x3 windows, stride 2, padding 1: each window's first valid element.
  auto [y0, g0] = winners(std::vector<float>(16, 0.0f), 3, 2, 1);
  CHECK(y0 == std::vector<float>{0, 0, 0, 0});
  CHECK(g0 == std::vector<float>{1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  // A tie between (0, 1) and (1, 0) in the first 2x2 window: (0, 1) comes first.
  const float nan = std::nanf("");
  auto [y1, g1] = winners({1, 5, 0, 0, 5, 2, 0, 0, 0, 0, nan, 1, 0, 0, nan, 9}, 2, 2, 0);
  CHECK(y1[0] == 5);
  CHECK(std::isnan(y1[3]));
  CHECK(g1 == std::vector<float>{0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0});
}

TEST_CASE("drop_path: identity in evaluation, per-sample mask in training, seeded") {
  Tensor x = ones({64, 3, 2, 2});
  CHECK(drop_path(x, 0.5, false).is_same(x));
  manual_seed(7);
  Tensor a = drop_path(x, 0.25, true);
  manual_seed(7);
  Tensor b = drop_path(x, 0.25, true);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  std::vector<float> v = a.to_vector<float>();
  int kept = 0;
  for (int s = 0; s < 64; ++s) {
    float first = v[s * 12];
    for (int i = 0; i < 12; ++i) CHECK(v[s * 12 + i] == first);  // whole sample
    CHECK((first == 0.0f || first == doctest::Approx(1 / 0.75)));
    kept += first != 0.0f;
  }
  CHECK(kept > 30);
  CHECK(kept < 64);
}
