// The direct float32 convolution kernels (kernels/cpu/conv_direct*), forward, the
// input gradient and the weight gradient, and the channel-vector forward
// (kernels/cpu/conv_channel_vector*), on both SIMD levels
// against the float64 path (im2col + GEMM or the scalar depthwise loops) and the float32
// fallback path, over strides, paddings, kernel sizes, groups, odd widths that are not a
// multiple of the vector width, few input channels and output channels that do not fill
// a register block. The AVX-512 runs skip on CPUs without AVX-512F + VL.
#include <sstream>

#include "engine/ops/conv.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/simd_level.h"
#include "simd_levels.h"
#include "test_support.h"

using namespace msq;
using msq::test::check_close;
using cpu::ConvAlgorithm;
using cpu::SimdLevel;

namespace {

struct Case {
  int64_t b, cin, cout, h, w, kh, kw;
  Size2 stride, pad, dil;
  int64_t groups;
  bool bias;
};

const std::vector<Case> kCases = {
    {2, 3, 32, 17, 23, 3, 3, 1, 1, 1, 1, true},      // first layer, 3 channels
    {1, 1, 5, 9, 40, 3, 3, 1, 1, 1, 1, false},       // one channel, Cout not a block multiple
    {2, 2, 13, 11, 19, 3, 3, 2, 1, 1, 1, true},      // stride 2, odd width
    {1, 3, 7, 30, 37, 7, 7, 2, 3, 1, 1, true},       // ResNet-stem-like 7x7 s2 p3
    {2, 16, 24, 12, 57, 3, 3, 1, 1, 1, 1, true},     // width over a 48-wide tile
    {1, 8, 9, 13, 50, 3, 3, 2, 1, 1, 1, false},      // strided, several tiles
    {1, 5, 6, 8, 8, 5, 5, 1, 2, 1, 1, true},         // 5x5
    {1, 4, 6, 9, 10, 3, 2, {2, 1}, {1, 0}, 1, 1, true},  // rectangular kernel, mixed stride
    {2, 4, 6, 7, 9, 3, 3, 1, 0, 1, 1, true},         // no padding
    {1, 4, 6, 10, 11, 3, 3, 3, 2, 1, 1, true},       // stride 3, padding 2
    {2, 6, 10, 9, 13, 3, 3, 1, 1, 1, 2, true},       // groups 2
    {1, 4, 4, 9, 9, 3, 3, 1, 2, 2, 1, true},         // dilation 2 (falls back)
    {1, 6, 4, 5, 5, 1, 1, 2, 0, 1, 1, true},         // strided 1x1
    {1, 2, 3, 1, 1, 3, 3, 1, 1, 1, 1, true},         // 1x1 image
    {1, 3, 8, 6, 70, 1, 7, 1, {0, 3}, 1, 1, false},  // 1x7
    {1, 5, 9, 7, 56, 3, 3, 1, 1, 1, 1, true},        // 48 + 8 columns: stacked narrow rest
    {2, 7, 16, 5, 24, 3, 3, 1, 1, 1, 1, true},       // 24 columns
    {1, 3, 4, 9, 66, 5, 5, 1, 2, 1, 1, true},        // 48 + 18 columns
    {1, 10, 70, 9, 30, 3, 3, 2, 1, 1, 1, true},      // 70 channels: 64 + a narrower block
    {2, 5, 50, 8, 29, 3, 3, 1, 1, 1, 1, false},      // 50 channels: a partly padded block
    {1, 7, 20, 11, 13, 4, 4, 2, 1, 1, 1, true},      // even kernel, stride 2
    {1, 40, 16, 30, 27, 3, 3, 1, 1, 1, 1, true},     // 27 columns, several bands
    {1, 256, 8, 32, 34, 3, 3, 2, 1, 1, 1, true},     // stride 2, 17 columns, bands by budget
    {2, 9, 40, 56, 56, 3, 3, 2, 1, 1, 1, true},      // stride 2, 28 columns, 32 + 8 channels
    {1, 20, 33, 7, 7, 3, 3, 1, 1, 1, 1, true},       // 7 x 7 (a 7-pixel tile), 32 + 1 channels
    {1, 6, 17, 14, 15, 3, 3, 1, 1, 1, 1, false},     // 15 columns: a 14-pixel tile + 1
    {1, 5, 64, 12, 41, 3, 3, 2, 1, 1, 1, true},      // stride 2, 21 columns: 14 + a 7 tile
    // depthwise
    {2, 8, 8, 13, 21, 3, 3, 1, 1, 1, 8, true},
    {1, 6, 6, 28, 28, 5, 5, 2, 2, 1, 6, true},
    {2, 3, 6, 11, 35, 5, 5, 2, 2, 1, 3, false},      // multiplier 2
    {1, 4, 4, 9, 53, 3, 3, 2, 1, 1, 4, true},
    {1, 4, 4, 7, 7, 3, 3, 1, 0, 1, 4, false},
    {1, 4, 4, 9, 9, 3, 3, 1, 2, 2, 4, true},         // dilated depthwise (falls back)
    {1, 3, 3, 6, 56, 3, 3, 1, 1, 1, 3, true},        // depthwise, 48 + 8 columns
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "B" << c.b << " " << c.cin << "->" << c.cout << " " << c.h << "x" << c.w << " k" << c.kh
    << "x" << c.kw << " s" << c.stride.h << "," << c.stride.w << " p" << c.pad.h << ","
    << c.pad.w << " d" << c.dil.h << " g" << c.groups;
  return s.str();
}

// Restores the automatic choices when a test case ends, even on failure.
struct PathGuard {
  ~PathGuard() {
    cpu::force_conv_algorithm(ConvAlgorithm::automatic);
    cpu::clear_simd_level();
  }
};

void check_direct_against_references(SimdLevel level) {
  PathGuard guard;
  cpu::force_simd_level(level);
  manual_seed(7);
  for (const Case& c : kCases) {
    Tensor x = randn({c.b, c.cin, c.h, c.w});
    Tensor w = randn({c.cout, c.cin / c.groups, c.kh, c.kw});
    Tensor bias = c.bias ? randn({c.cout}) : Tensor();
    auto run = [&](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
      return conv2d(xi, wi, bi, c.stride, c.pad, c.dil, c.groups);
    };
    const std::string what = describe(c) + " " + cpu::simd_level_name(level);
    cpu::force_conv_algorithm(ConvAlgorithm::direct);
    Tensor direct = run(x, w, bias);
    cpu::force_conv_algorithm(ConvAlgorithm::fallback);
    Tensor fallback = run(x, w, bias);
    cpu::force_conv_algorithm(ConvAlgorithm::channels);
    Tensor channels = run(x, w, bias);
    cpu::force_conv_algorithm(ConvAlgorithm::automatic);
    Tensor automatic = run(x, w, bias);
    Tensor exact = run(x.to(DType::Float64), w.to(DType::Float64),
                       c.bias ? bias.to(DType::Float64) : Tensor());
    check_close(direct, exact, 1e-4, 1e-4, what + " direct vs float64");
    check_close(direct, fallback, 1e-4, 1e-4, what + " direct vs im2col");
    check_close(channels, exact, 1e-4, 1e-4, what + " channel-vector vs float64");
    check_close(automatic, exact, 1e-4, 1e-4, what + " automatic vs float64");
  }
}

// The input gradient (direct: stride 1 transposed, strided by phases; each by the direct
// tiles and by the channel-vector tiles) against the fallback and float64.
void check_input_gradient(SimdLevel level) {
  PathGuard guard;
  cpu::force_simd_level(level);
  manual_seed(8);
  for (const Case& c : kCases) {
    Tensor x = randn({c.b, c.cin, c.h, c.w});
    Tensor w = randn({c.cout, c.cin / c.groups, c.kh, c.kw});
    Tensor gy;
    auto input_grad = [&](const Tensor& xv, const Tensor& wv) {
      Tensor xi = xv.clone();
      xi.requires_grad_(true);
      Tensor y = conv2d(xi, wv, Tensor(), c.stride, c.pad, c.dil, c.groups);
      if (!gy.defined()) gy = randn(y.shape());
      y.backward(gy.to(xv.dtype()));
      return xi.grad();
    };
    const std::string what = describe(c) + " " + cpu::simd_level_name(level) + " input grad";
    cpu::force_conv_algorithm(ConvAlgorithm::direct);
    Tensor direct = input_grad(x, w);
    cpu::force_conv_algorithm(ConvAlgorithm::channels);
    Tensor channels = input_grad(x, w);
    cpu::force_conv_algorithm(ConvAlgorithm::fallback);
    Tensor fallback = input_grad(x, w);
    Tensor exact = input_grad(x.to(DType::Float64), w.to(DType::Float64));
    check_close(direct, exact, 1e-4, 1e-4, what + " direct vs float64");
    check_close(direct, fallback, 1e-4, 1e-4, what + " direct vs im2col");
    check_close(channels, exact, 1e-4, 1e-4, what + " channel-vector vs float64");
  }
}

// The weight gradient (direct where ungrouped) against the fallback and float64.
void check_weight_gradient(SimdLevel level) {
  PathGuard guard;
  cpu::force_simd_level(level);
  manual_seed(9);
  for (const Case& c : kCases) {
    Tensor x = randn({c.b, c.cin, c.h, c.w});
    Tensor w = randn({c.cout, c.cin / c.groups, c.kh, c.kw});
    Tensor gy;
    auto weight_grad = [&](const Tensor& xv, const Tensor& wv) {
      Tensor wi = wv.clone();
      wi.requires_grad_(true);
      Tensor y = conv2d(xv, wi, Tensor(), c.stride, c.pad, c.dil, c.groups);
      if (!gy.defined()) gy = randn(y.shape());
      y.backward(gy.to(xv.dtype()));
      return wi.grad();
    };
    const std::string what = describe(c) + " " + cpu::simd_level_name(level) + " weight grad";
    cpu::force_conv_algorithm(ConvAlgorithm::direct);
    Tensor direct = weight_grad(x, w);
    cpu::force_conv_algorithm(ConvAlgorithm::fallback);
    Tensor fallback = weight_grad(x, w);
    Tensor exact = weight_grad(x.to(DType::Float64), w.to(DType::Float64));
    check_close(direct, exact, 1e-4, 1e-4, what + " direct vs float64");
    check_close(direct, fallback, 1e-4, 1e-4, what + " direct vs im2col");
  }
}

}  // namespace

TEST_CASE("direct conv2d weight gradient, AVX2") {
  if (!cpu::cpu_supports(SimdLevel::avx2)) return msq::test::skip("no AVX2 on this CPU");
  check_weight_gradient(SimdLevel::avx2);
}

TEST_CASE("direct conv2d weight gradient, AVX-512") {
  if (!cpu::cpu_supports(SimdLevel::avx512)) return msq::test::skip("no AVX-512F + AVX-512VL on this CPU");
  check_weight_gradient(SimdLevel::avx512);
}

TEST_CASE("direct conv2d input gradient, AVX2") {
  if (!cpu::cpu_supports(SimdLevel::avx2)) return msq::test::skip("no AVX2 on this CPU");
  check_input_gradient(SimdLevel::avx2);
}

TEST_CASE("direct conv2d input gradient, AVX-512") {
  if (!cpu::cpu_supports(SimdLevel::avx512)) return msq::test::skip("no AVX-512F + AVX-512VL on this CPU");
  check_input_gradient(SimdLevel::avx512);
}

TEST_CASE("direct conv2d forward, AVX2") {
  if (!cpu::cpu_supports(SimdLevel::avx2)) return msq::test::skip("no AVX2 on this CPU");
  check_direct_against_references(SimdLevel::avx2);
}

TEST_CASE("direct conv2d forward, AVX-512") {
  if (!cpu::cpu_supports(SimdLevel::avx512)) return msq::test::skip("no AVX-512F + AVX-512VL on this CPU");
  check_direct_against_references(SimdLevel::avx512);
}

TEST_CASE("direct conv2d forward is deterministic and threads agree") {
  PathGuard guard;
  cpu::force_conv_algorithm(ConvAlgorithm::direct);
  manual_seed(3);
  Tensor x = randn({1, 3, 40, 45}), w = randn({10, 3, 3, 3}), b = randn({10});
  Tensor y1 = conv2d(x, w, b, 1, 1), y2 = conv2d(x, w, b, 1, 1);
  check_close(y1, y2, 0, 0, "two runs");
}

TEST_CASE("forcing a SIMD level the CPU lacks names the op") {
  if (cpu::cpu_supports(SimdLevel::avx512)) return msq::test::skip("this CPU has AVX-512F + AVX-512VL");
  CHECK_THROWS_WITH_AS(cpu::force_simd_level(SimdLevel::avx512),
                       doctest::Contains("[simd_level]"), Error);
}

TEST_CASE("split_column_phases against a scalar reference, strides 2, 3, 4, both SIMD levels") {
  // Rows shorter and longer than a vector block, offsets that start before the row (padding)
  // and inside it, phase counts n that reach past the row's end and that stop short of it.
  std::vector<float> src(70);
  for (size_t i = 0; i < src.size(); ++i) src[i] = float(i + 1);
  test::at_each_simd_level([&] {
    for (int64_t stride : {2, 3, 4}) {
      for (int64_t w : {1, 5, 17, 33, 56, 70}) {
        for (int64_t offset : {-3, -2, -1, 0, 1}) {
          for (int64_t n : {1, 7, 8, 9, 16, 17, 30, 33}) {
            const int64_t ld = n + 2;
            std::vector<float> got(size_t(stride * ld), -7.0f);
            cpu::split_column_phases(got.data(), ld, src.data(), w, stride, offset, n);
            int bad = 0;
            for (int64_t q = 0; q < stride; ++q) {
              for (int64_t t = 0; t < ld; ++t) {
                const int64_t j = stride * t + q + offset;
                const float want = t >= n ? -7.0f : (j >= 0 && j < w ? src[size_t(j)] : 0.0f);
                if (got[size_t(q * ld + t)] != want) ++bad;
              }
            }
            CHECK_MESSAGE(bad == 0, "stride " << stride << " w " << w << " offset " << offset
                                              << " n " << n);
          }
        }
      }
    }
  });
}
