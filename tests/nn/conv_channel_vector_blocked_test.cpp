// The blocked channel-vector forward (kernels/cpu/conv_channel_vector_blocked.cpp) under
// explicit plans, at both SIMD levels, against the float64 path: input channels in chunks
// that do and do not divide them (partial sums carried between chunks), output channels that
// leave a partly empty block, odd batches (rows of 7 paired across images, a last image
// alone), groups of blocks and of images, strides 1 and 2, with and without bias. Also its
// planner's promises, and pack_weight_taps (both SIMD levels) against a scalar reference.
#include <sstream>

#include "engine/ops/conv.h"
#include "kernels/cpu/conv_channel_vector.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/strided_view.h"
#include "simd_levels.h"
#include "test_support.h"

using namespace msq;
using msq::test::check_close;

namespace {

struct Case {
  int64_t b, cin, cout, hw, k, stride, pad;
  bool bias;
  cpu::ChannelVectorPlan plan;
};

const std::vector<Case> kCases = {
    {3, 40, 40, 14, 3, 2, 1, true, {1, 1, 16}},    // 7 x 7 out, chunks 16 + 16 + 8, 32 + 8 channels
    {3, 40, 40, 14, 3, 2, 1, false, {2, 2, 32}},   // block groups and image groups (2 + 1 images)
    {2, 24, 64, 13, 3, 2, 1, true, {2, 1, 24}},    // one chunk: no partial sums; 7 x 7 out
    {4, 20, 33, 7, 3, 1, 1, true, {1, 2, 8}},      // stride 1, 7 wide, 32 + 1 channels
    {1, 18, 32, 28, 3, 2, 1, true, {1, 1, 5}},     // 14 wide (full 14-pixel tiles), 1 image
    {2, 9, 16, 30, 3, 2, 1, false, {1, 2, 4}},     // 15 wide: 14 + 1, odd rows
    {2, 16, 48, 11, 5, 1, 2, true, {3, 1, 6}},     // 5x5, 11 wide: a 7 tile + a partial one
    {5, 8, 8, 6, 3, 1, 0, true, {1, 5, 3}},        // no padding, 4 wide, image groups of one
    {3, 12, 96, 6, 3, 2, 1, true, {3, 3, 12}},     // 3 x 3 out: AVX2 pairs rows of 3
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "B" << c.b << " " << c.cin << "->" << c.cout << " @" << c.hw << " k" << c.k << " s"
    << c.stride << " p" << c.pad << " plan " << c.plan.oc_groups << "x" << c.plan.image_groups
    << " chunk " << c.plan.chunk << " " << cpu::simd_level_name(cpu::simd_level());
  return s.str();
}

Tensor blocked_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Case& c) {
  Conv2dParams p;
  p.stride_h = p.stride_w = c.stride;
  p.pad_h = p.pad_w = c.pad;
  const int64_t out = (c.hw + 2 * c.pad - c.k) / c.stride + 1;
  Tensor y = zeros({c.b, c.cout, out, out});
  const cpu::ConvGeometry g(x.view_for_kernel(), w.view_for_kernel(), y.view_for_kernel(), p);
  REQUIRE(cpu::channel_vector_supported(g, p));
  cpu::channel_vector_forward_blocked(y.data<float>(), x.data<float>(), w.data<float>(),
                                      c.bias ? bias.data<float>() : nullptr, g, p, c.plan);
  return y;
}

}  // namespace

TEST_CASE("blocked channel-vector forward against float64, explicit plans") {
  test::at_each_simd_level([] {
    manual_seed(41);
    for (const Case& c : kCases) {
      Tensor x = randn({c.b, c.cin, c.hw, c.hw}), w = randn({c.cout, c.cin, c.k, c.k});
      Tensor bias = c.bias ? randn({c.cout}) : Tensor();
      Tensor exact = conv2d(x.to(DType::Float64), w.to(DType::Float64),
                            c.bias ? bias.to(DType::Float64) : Tensor(), c.stride, c.pad);
      check_close(blocked_forward(x, w, bias, c), exact, 1e-4, 1e-4, describe(c));
    }
  });
}

TEST_CASE("the blocked plan: tasks a multiple of the threads, within the budget, cheapest") {
  Conv2dParams p;
  p.stride_h = p.stride_w = 2;
  p.pad_h = p.pad_w = 1;
  // ResNet50's layer4 strided 3x3: 512 @ 14 -> 7, batch 8.
  Tensor x = zeros({8, 512, 14, 14}), w = zeros({512, 512, 3, 3}), y = zeros({8, 512, 7, 7});
  const cpu::ConvGeometry g(x.view_for_kernel(), w.view_for_kernel(), y.view_for_kernel(), p);
  const int64_t budget = 3 * (int64_t(1) << 20) / 16;  // 768 KB of floats
  for (int64_t threads : {1, 2, 3, 4, 16}) {
    const cpu::ChannelVectorPlan plan =
        cpu::plan_channel_vector_blocks(g, p, cpu::SimdLevel::avx512, threads, budget);
    CAPTURE(threads);
    REQUIRE(plan.oc_groups > 0);
    CHECK((plan.oc_groups * plan.image_groups) % threads == 0);
    CHECK(plan.oc_groups <= 16);
    CHECK(plan.image_groups <= 8);
    // Per task: sums of its images x blocks (49 x 32 floats each), its images' bands of one
    // chunk (15 x 15 floats per channel) and one block's chunk of weights.
    const int64_t images = (8 + plan.image_groups - 1) / plan.image_groups;
    const int64_t blocks = (16 + plan.oc_groups - 1) / plan.oc_groups;
    CHECK(images * blocks * 49 * 32 + images * plan.chunk * 225 + plan.chunk * 9 * 32 <= budget);
  }
  // Two threads: the weights (9.4 MB) read once, the input (3.7 MB padded) twice, rather
  // than the weights twice.
  const cpu::ChannelVectorPlan two =
      cpu::plan_channel_vector_blocks(g, p, cpu::SimdLevel::avx512, 2, budget);
  CHECK(two.oc_groups == 2);
  CHECK(two.image_groups == 1);
  CHECK(two.chunk == 32);  // 64 would need 8 x 64 x 225 floats of bands: over the budget
  // Nothing fits a tiny budget, and grouped convolutions are refused.
  CHECK(cpu::plan_channel_vector_blocks(g, p, cpu::SimdLevel::avx512, 2, 1000).oc_groups == 0);
  Conv2dParams grouped = p;
  grouped.groups = 2;
  Tensor wg = zeros({512, 256, 3, 3});
  const cpu::ConvGeometry gg(x.view_for_kernel(), wg.view_for_kernel(), y.view_for_kernel(),
                             grouped);
  CHECK(cpu::plan_channel_vector_blocks(gg, grouped, cpu::SimdLevel::avx512, 2, budget).oc_groups ==
        0);
}

TEST_CASE("pack_weight_taps against a scalar reference, both SIMD levels") {
  test::at_each_simd_level([] {
    manual_seed(43);
    const int64_t out_c = 70, taps = 53;
    Tensor w = randn({out_c, taps});
    const float* src = w.data<float>();
    for (int64_t oc_block : {16, 32, 64}) {
      for (int64_t oc0 : {int64_t(0), int64_t(32), int64_t(64)}) {
        const int64_t valid = std::min(oc_block, out_c - oc0);
        for (auto [t0, t1] : {std::pair<int64_t, int64_t>{0, 53}, {5, 21}, {17, 18}, {32, 48}}) {
          std::vector<float> dst(size_t((t1 - t0) * oc_block), -1.0f);
          cpu::pack_weight_taps(dst.data(), src, oc0, valid, taps, oc_block, t0, t1);
          int64_t wrong = 0;
          for (int64_t t = t0; t < t1; ++t)
            for (int64_t o = 0; o < oc_block; ++o) {
              const float expected = o < valid ? src[(oc0 + o) * taps + t] : 0.0f;
              wrong += dst[size_t((t - t0) * oc_block + o)] != expected;
            }
          CAPTURE(oc_block);
          CAPTURE(oc0);
          CAPTURE(t0);
          CAPTURE(t1);
          CHECK(wrong == 0);
        }
      }
    }
  });
}
