// 1x1 stride-1 convolutions (conv.cpp's pointwise path), forward and input gradient, at both
// SIMD levels against float64: on AVX-512, weight matrices with a multiple of 8 rows and at
// least as many columns go through the row-panel GEMM (gemm_row_panels.h), with the bias
// accumulated onto; the rest (fewer columns than rows, 12 rows, AVX2) through OpenBLAS.
// Groups, batch 1 (one image cut into pieces) and widths that leave masked tails.
#include <sstream>

#include "engine/ops/conv.h"
#include "simd_levels.h"
#include "test_support.h"

using namespace msq;
using msq::test::check_close;

namespace {

struct Case {
  int64_t b, cin, cout, h, w, groups;
  bool bias;
};

const std::vector<Case> kCases = {
    {2, 64, 16, 7, 9, 1, true},    // forward by panels (16 rows, 64 columns), tails of 63
    {1, 32, 32, 5, 13, 1, false},  // square: both directions by panels, one image in pieces
    {3, 16, 48, 6, 6, 1, true},    // forward rows > columns (OpenBLAS); input gradient by panels
    {2, 24, 12, 8, 5, 1, true},    // 12 rows: OpenBLAS forward; input gradient 24 rows by panels
    {2, 32, 16, 4, 11, 2, true},   // groups: forward by panels (8 rows, 16 columns each)
    {2, 16, 32, 4, 11, 2, false},  // groups: input gradient by panels (8 rows, 16 columns)
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "B" << c.b << " " << c.cin << "->" << c.cout << " " << c.h << "x" << c.w << " g"
    << c.groups;
  return s.str();
}

}  // namespace

TEST_CASE("1x1 conv2d forward and input gradient against float64") {
  test::at_each_simd_level([] {
    manual_seed(31);
    for (const Case& c : kCases) {
      Tensor x = randn({c.b, c.cin, c.h, c.w}), w = randn({c.cout, c.cin / c.groups, 1, 1});
      Tensor bias = c.bias ? randn({c.cout}) : Tensor();
      Tensor gy = randn({c.b, c.cout, c.h, c.w});
      Tensor xi = x.clone().requires_grad_(true);
      Tensor y = conv2d(xi, w, bias, 1, 0, 1, c.groups);
      y.backward(gy);
      Tensor x64 = x.to(DType::Float64).requires_grad_(true);
      Tensor y64 = conv2d(x64, w.to(DType::Float64), c.bias ? bias.to(DType::Float64) : Tensor(),
                          1, 0, 1, c.groups);
      y64.backward(gy.to(DType::Float64));
      check_close(y, y64, 1e-4, 1e-4, describe(c) + " forward");
      check_close(xi.grad(), x64.grad(), 1e-4, 1e-4, describe(c) + " input gradient");
    }
  });
}
