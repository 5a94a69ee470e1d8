// The Winograd F(2x2, 3x3) convolution (kernels/cpu/conv_winograd*), forward, input
// gradient and weight gradient, forced on, against the float64 path (im2col + GEMM): odd and
// even sizes (half tiles at the bottom and right), batch 1, paddings 0, 1, 2, 3 and mixed, a
// 1x1 image, channel counts that are not multiples of anything, and chunks of tile rows that
// start in the middle of an image. At both SIMD levels: on AVX-512, output channel counts that
// are multiples of 8 take the row-panel GEMM (gemm_row_panels.h), with the weights made
// panel by panel where one chunk holds every tile (several panel groups, a partial last
// group); on AVX2, and for other counts, OpenBLAS. The automatic choice is checked on shapes
// it takes.
#include <functional>
#include <sstream>

#include "engine/ops/conv.h"
#include "kernels/cpu/conv_direct.h"
#include "simd_levels.h"
#include "test_support.h"

using namespace msq;
using msq::test::check_close;
using cpu::ConvAlgorithm;

namespace {

struct Case {
  int64_t b, cin, cout, h, w;
  Size2 pad;
  bool bias;
};

const std::vector<Case> kCases = {
    {2, 3, 5, 9, 11, 1, true},        // odd sizes: a half tile at the bottom and right
    {1, 4, 6, 7, 7, 1, false},        // 7 x 7 (ResNet's last stage, batch 1)
    {1, 5, 3, 8, 8, 0, true},         // no padding
    {2, 6, 4, 10, 13, 2, true},       // padding 2 (the input gradient's padding is 0)
    {1, 3, 4, 6, 9, 3, true},         // padding 3 (the forward only)
    {1, 4, 5, 9, 12, {1, 0}, false},  // mixed padding
    {1, 2, 3, 1, 1, 1, true},         // 1x1 image: one tile, mostly padding
    {1, 3, 2, 2, 5, 1, true},         // 2 rows
    {3, 17, 33, 14, 14, 1, true},     // channels past 16 and 32
    {3, 96, 96, 17, 17, 1, true},     // two chunks (22 + 5 tile rows), the second mid-image
    {2, 64, 48, 40, 40, 1, false},    // many chunks, split over threads
    {1, 24, 20, 57, 30, 1, true},     // one image, wide, chunks within it
    {2, 40, 36, 33, 35, 1, false},    // odd sizes over several chunks
    {2, 16, 24, 7, 7, 1, true},       // one chunk, 3 weight panels: a group and a half
    {1, 40, 16, 5, 6, {0, 1}, true},  // one chunk, one group; input gradient 40 (5 panels)
    {2, 64, 64, 4, 4, 1, false},      // one chunk of 8 tiles, 8 panels
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "B" << c.b << " " << c.cin << "->" << c.cout << " " << c.h << "x" << c.w << " p"
    << c.pad.h << "," << c.pad.w;
  return s.str();
}

// Restores the automatic choice when a test case ends, even on failure.
struct PathGuard {
  ~PathGuard() { cpu::force_conv_algorithm(ConvAlgorithm::automatic); }
};

}  // namespace

TEST_CASE("Winograd conv2d forward against float64") {
  test::at_each_simd_level([] {
  PathGuard guard;
  manual_seed(11);
  for (const Case& c : kCases) {
    Tensor x = randn({c.b, c.cin, c.h, c.w}), w = randn({c.cout, c.cin, 3, 3});
    Tensor bias = c.bias ? randn({c.cout}) : Tensor();
    cpu::force_conv_algorithm(ConvAlgorithm::winograd);
    Tensor y = conv2d(x, w, bias, 1, c.pad);
    cpu::force_conv_algorithm(ConvAlgorithm::automatic);
    Tensor automatic = conv2d(x, w, bias, 1, c.pad);
    Tensor exact = conv2d(x.to(DType::Float64), w.to(DType::Float64),
                          c.bias ? bias.to(DType::Float64) : Tensor(), 1, c.pad);
    check_close(y, exact, 1e-4, 1e-4, describe(c) + " winograd vs float64");
    check_close(automatic, exact, 1e-4, 1e-4, describe(c) + " automatic vs float64");
  }
  });
}

namespace {

// The gradient of conv2d(x, w) for the upstream gradient gy, with respect to x (of_input)
// or to w, computed in the dtype of x and w.
Tensor conv_gradient(const Tensor& x, const Tensor& w, const Tensor& gy, Size2 pad,
                     bool of_input) {
  Tensor xi = x.clone(), wi = w.clone();
  (of_input ? xi : wi).requires_grad_(true);
  Tensor y = conv2d(xi, wi, Tensor(), 1, pad);
  y.backward(gy.to(x.dtype()));
  return of_input ? xi.grad() : wi.grad();
}

// Winograd's and the automatic choice's gradient (of the input or the weight) against float64.
void check_gradient(bool of_input, uint64_t seed) {
  PathGuard guard;
  manual_seed(seed);
  const std::string what = of_input ? " input grad" : " weight grad";
  for (const Case& c : kCases) {
    Tensor x = randn({c.b, c.cin, c.h, c.w}), w = randn({c.cout, c.cin, 3, 3});
    Tensor gy = randn({c.b, c.cout, c.h + 2 * c.pad.h - 2, c.w + 2 * c.pad.w - 2});
    cpu::force_conv_algorithm(ConvAlgorithm::winograd);
    Tensor winograd = conv_gradient(x, w, gy, c.pad, of_input);
    cpu::force_conv_algorithm(ConvAlgorithm::automatic);
    Tensor automatic = conv_gradient(x, w, gy, c.pad, of_input);
    Tensor exact =
        conv_gradient(x.to(DType::Float64), w.to(DType::Float64), gy, c.pad, of_input);
    check_close(winograd, exact, 1e-4, 1e-4, describe(c) + " winograd" + what + " vs float64");
    check_close(automatic, exact, 1e-4, 1e-4, describe(c) + " automatic" + what + " vs float64");
  }
}

}  // namespace

TEST_CASE("Winograd conv2d input gradient against float64") {
  test::at_each_simd_level([] { check_gradient(true, 12); });
}

TEST_CASE("Winograd conv2d weight gradient against float64") {
  test::at_each_simd_level([] { check_gradient(false, 15); });
}

TEST_CASE("Winograd forcing leaves other convolutions to the automatic choice") {
  PathGuard guard;
  manual_seed(13);
  cpu::force_conv_algorithm(ConvAlgorithm::winograd);
  Tensor x = randn({2, 8, 11, 12}), w = randn({6, 8, 3, 3}), b = randn({6});
  Tensor strided = conv2d(x, w, b, {2, 1}, 1);
  Tensor w5 = randn({6, 8, 5, 5});
  Tensor five = conv2d(x, w5, b, 1, 2);
  Tensor exact =
      conv2d(x.to(DType::Float64), w.to(DType::Float64), b.to(DType::Float64), {2, 1}, 1);
  Tensor exact5 = conv2d(x.to(DType::Float64), w5.to(DType::Float64), b.to(DType::Float64), 1, 2);
  check_close(strided, exact, 1e-4, 1e-4, "stride 2, 1 under forced winograd");
  check_close(five, exact5, 1e-4, 1e-4, "5x5 under forced winograd");
}

TEST_CASE("Winograd conv2d is deterministic") {
  PathGuard guard;
  cpu::force_conv_algorithm(ConvAlgorithm::winograd);
  manual_seed(14);
  Tensor x = randn({2, 32, 20, 21}), w = randn({40, 32, 3, 3}), b = randn({40});
  Tensor y1 = conv2d(x, w, b, 1, 1), y2 = conv2d(x, w, b, 1, 1);
  check_close(y1, y2, 0, 0, "two runs");
}

TEST_CASE("Winograd stride-2 conv2d forward and gradients against float64") {
  // 3x3, stride 2, padding 1 (conv_winograd_stride2.cpp): even and odd image sizes (phase
  // grids of unequal rows and columns, half tiles), batch 1, one chunk and several, channel
  // counts that fill row panels and that do not, with and without bias, at both SIMD levels.
  test::at_each_simd_level([] {
    PathGuard guard;
    manual_seed(16);
    const std::vector<Case> cases = {
        {2, 16, 24, 9, 11, 1, false},   {1, 5, 3, 7, 7, 1, false},   {1, 24, 16, 8, 8, 1, false},
        {2, 17, 33, 13, 10, 1, false},  {1, 3, 2, 1, 1, 1, false},   {1, 4, 6, 2, 3, 1, false},
        {3, 32, 40, 30, 29, 1, false},  {2, 64, 48, 56, 56, 1, false},
    };
    for (const Case& c : cases) {
      Tensor x = randn({c.b, c.cin, c.h, c.w}), w = randn({c.cout, c.cin, 3, 3});
      const int64_t oh = (c.h - 1) / 2 + 1, ow = (c.w - 1) / 2 + 1;
      Tensor gy = randn({c.b, c.cout, oh, ow});
      // One quantity f(x, w) (computed in their dtype) under forced Winograd and under the
      // automatic choice, against float64.
      auto check_paths = [&](const std::function<Tensor(const Tensor&, const Tensor&)>& f,
                             const std::string& what) {
        cpu::force_conv_algorithm(ConvAlgorithm::winograd);
        Tensor winograd = f(x, w);
        cpu::force_conv_algorithm(ConvAlgorithm::automatic);
        Tensor automatic = f(x, w);
        Tensor exact = f(x.to(DType::Float64), w.to(DType::Float64));
        check_close(winograd, exact, 1e-4, 1e-4, describe(c) + " s2 winograd " + what + " vs float64");
        check_close(automatic, exact, 1e-4, 1e-4, describe(c) + " s2 automatic " + what + " vs float64");
      };
      // The gradient with respect to x (of_input) or w.
      auto gradient = [&](const Tensor& xs, const Tensor& ws, bool of_input) {
        Tensor xi = xs.clone(), wi = ws.clone();
        (of_input ? xi : wi).requires_grad_(true);
        conv2d(xi, wi, Tensor(), 2, 1).backward(gy.to(xs.dtype()));
        return of_input ? xi.grad() : wi.grad();
      };
      check_paths([&](const Tensor& xs, const Tensor& ws) { return gradient(xs, ws, false); }, "weight grad");
      check_paths([&](const Tensor& xs, const Tensor& ws) { return gradient(xs, ws, true); }, "input grad");
      Tensor bias = c.cin % 2 ? randn({c.cout}) : Tensor();
      check_paths([&](const Tensor& xs, const Tensor& ws) {
        return conv2d(xs, ws, bias.defined() ? bias.to(xs.dtype()) : Tensor(), 2, 1);
      }, "forward");
    }
  });
}
