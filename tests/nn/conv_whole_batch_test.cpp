// The whole-batch gradients (kernels/cpu/conv_whole_batch.cpp: one im2col and one GEMM over
// every image, the GEMM's rows split between the threads) against float64 autograd, over
// strides, paddings, dilation, rectangular and 5x5 kernels, non-square images and odd
// batches; and the rule that picks them.
#include <omp.h>

#include <sstream>

#include "engine/ops/conv.h"
#include "kernels/cpu/conv_whole_batch.h"
#include "kernels/strided_view.h"
#include "test_support.h"

using namespace msq;
using msq::test::check_close;

namespace {

struct Case {
  int64_t b, cin, cout, h, w, kh, kw, stride, pad, dilation = 1;
};

const std::vector<Case> kCases = {
    {3, 20, 24, 9, 9, 3, 3, 2, 1},   // strided: 5 x 5 out
    {2, 6, 10, 7, 7, 5, 5, 1, 2},    // 5x5
    {4, 8, 5, 8, 6, 3, 3, 1, 0},     // unpadded, non-square, 5 output channels
    {1, 7, 9, 10, 11, 3, 3, 3, 2},   // stride 3, padding 2, one image
    {3, 4, 16, 6, 12, 1, 7, 1, 3},   // 1x7 with padding 3 on both axes
    {5, 33, 17, 4, 4, 3, 3, 2, 1},   // 2 x 2 out, K = 297 split between the threads
    {2, 5, 6, 11, 9, 3, 3, 2, 2, 2}, // dilation 2
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "B" << c.b << " " << c.cin << "->" << c.cout << " " << c.h << "x" << c.w << " k" << c.kh
    << "x" << c.kw << " s" << c.stride << " p" << c.pad << " d" << c.dilation;
  return s.str();
}

Conv2dParams params(const Case& c) {
  Conv2dParams p;
  p.stride_h = p.stride_w = c.stride;
  p.pad_h = p.pad_w = c.pad;
  p.dilation_h = p.dilation_w = c.dilation;
  return p;
}

}  // namespace

TEST_CASE("whole-batch input and weight gradients against float64 autograd") {
  manual_seed(47);
  const int default_threads = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (const Case& c : kCases) {
      const std::string what = describe(c) + " threads " + std::to_string(threads);
      Tensor x = randn({c.b, c.cin, c.h, c.w}), w = randn({c.cout, c.cin, c.kh, c.kw});
      Tensor x64 = x.to(DType::Float64).requires_grad_(true);
      Tensor w64 = w.to(DType::Float64).requires_grad_(true);
      Tensor y64 = conv2d(x64, w64, Tensor(), c.stride, c.pad, c.dilation);
      Tensor gy = randn(y64.shape());
      y64.backward(gy.to(DType::Float64));

      const Conv2dParams p = params(c);
      Tensor gx = full({c.b, c.cin, c.h, c.w}, 123.0f);  // overwritten, not accumulated into
      Tensor gw = full({c.cout, c.cin, c.kh, c.kw}, 123.0f);
      const cpu::ConvGeometry g(x.view_for_kernel(), w.view_for_kernel(), gy.view_for_kernel(), p);
      cpu::backward_input_whole_batch(gx.data<float>(), gy.data<float>(), w.data<float>(), g, p);
      cpu::backward_weight_whole_batch(gw.data<float>(), gy.data<float>(), x.data<float>(), g, p);
      check_close(gx, x64.grad(), 1e-4, 1e-4, what + " input gradient");
      check_close(gw, w64.grad(), 1e-4, 1e-4, what + " weight gradient");
    }
  }
  omp_set_num_threads(default_threads);
}

TEST_CASE("whole-batch gradients: narrow ungrouped outputs only") {
  auto preferred = [](Shape x, Shape w, Shape y, int64_t stride, int64_t pad, int64_t groups) {
    Conv2dParams p;
    p.stride_h = p.stride_w = stride;
    p.pad_h = p.pad_w = pad;
    p.groups = groups;
    Tensor xt = zeros(x), wt = zeros(w), yt = zeros(y);
    const cpu::ConvGeometry g(xt.view_for_kernel(), wt.view_for_kernel(), yt.view_for_kernel(), p);
    return cpu::whole_batch_gradients_preferred(g, p);
  };
  // ResNet50 layer4's strided 3x3 (49 positions per image): yes.
  CHECK(preferred({8, 512, 14, 14}, {512, 512, 3, 3}, {8, 512, 7, 7}, 2, 1, 1));
  // 56 x 56 outputs (3136 positions): the per-image tiles.
  CHECK_FALSE(preferred({8, 64, 56, 56}, {64, 64, 3, 3}, {8, 64, 56, 56}, 1, 1, 1));
  // Grouped, and 1x1 (no im2col): no.
  CHECK_FALSE(preferred({8, 64, 7, 7}, {64, 32, 3, 3}, {8, 64, 7, 7}, 1, 1, 2));
  CHECK_FALSE(preferred({8, 64, 7, 7}, {64, 64, 1, 1}, {8, 64, 7, 7}, 1, 0, 1));
  // An im2col of more than 64 MB for the batch: no.
  CHECK_FALSE(preferred({512, 512, 14, 14}, {512, 512, 3, 3}, {512, 512, 7, 7}, 2, 1, 1));
}
