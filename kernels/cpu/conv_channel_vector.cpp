// The driver of the channel-vector convolution forward (see conv_channel_vector.h): the
// path choice, packed weights, bands of one column phase, tasks and threads. The register
// tiles are in conv_channel_vector_kernel.h.
#include "kernels/cpu/conv_channel_vector.h"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace msq::cpu {

namespace {

// A band holds about this many floats (256 KB, as the direct path's: it stays in L2 while
// every channel block sweeps over it).
constexpr int64_t kBandBudget = int64_t(1) << 16;


}  // namespace

int channel_vector_oc_block(SimdLevel level) { return level == SimdLevel::avx512 ? 32 : 16; }

ChannelVectorKernel channel_vector_kernel(SimdLevel level) {
  return level == SimdLevel::avx512 ? channel_vector_block_avx512 : channel_vector_block_avx2;
}

// The widest tile has 14 pixels; its unused ones read up to 13 steps past a row's last
// output, plus the taps' reach.
int64_t channel_vector_slack(int64_t pixel_step, int64_t kw) { return 14 * pixel_step + kw + 16; }

bool channel_vector_supported(const ConvGeometry& g, const Conv2dParams& p) {
  return !g.depthwise() && p.dilation_h == 1 && p.dilation_w == 1 &&
         (p.stride_w == 1 || p.stride_w == 2) && g.kw <= kDirectMaxKernelWidth;
}

// The measured rule (bench/conv_bench.cpp, one thread, CPU time, 8 images, AVX-512; against
// the direct path's joined rows or im2col + OpenBLAS, whichever ran there): the tiles win on
// rows of at most kMaxWidth outputs with enough input channels (3x3 s2 128 @ 28: 21.1 vs
// 18.5 ms; 3x3 128 @ 28: 18.6 vs 17.1; 256 @ 14: 19.9 vs 17.4; 512 @ 7: 26.7 vs 21), tie at
// 56 columns (64 channels: 17.7 both) and lose on wide rows with few input channels (3 -> 32
// @ 224: 7.0 vs 10.4; 32 -> 64 @ 112: 34.7 vs 37.0; the 7x7 s2 stem: 17.6 vs 19.4).
constexpr int64_t kMaxWidth = 32;
constexpr int64_t kMinInputChannels = 16;

bool channel_vector_pays(const ConvGeometry& g) {
  return g.kh * g.kw > 1 && g.out_w <= kMaxWidth && g.in_cg >= kMinInputChannels;
}

bool channel_vector_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback:
    case ConvAlgorithm::direct: return false;
    case ConvAlgorithm::channels: return channel_vector_supported(g, p);
    case ConvAlgorithm::automatic: break;
  }
  return channel_vector_supported(g, p) && channel_vector_pays(g);
}

// The phases of a strided input gradient are stride-1 convolutions of gy as wide as gx's
// width / stride; measured on 3x3 s2 128 @ 56 (phases 28 wide): 43.2 vs 40.8 ms for the
// whole backward (weight gradient included).
bool channel_vector_polyphase_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback:
    case ConvAlgorithm::direct: return false;
    case ConvAlgorithm::channels: return true;
    case ConvAlgorithm::automatic: break;
  }
  return (g.w + p.stride_w - 1) / p.stride_w <= kMaxWidth;
}

void channel_vector_forward(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p) {
  const SimdLevel level = simd_level();
  const int64_t oc_block = channel_vector_oc_block(level);
  const ChannelVectorKernel kernel = channel_vector_kernel(level);
  const int64_t sh = p.stride_h, sw = p.stride_w;
  const int64_t taps_per_oc = g.in_cg * g.kh * g.kw, blocks = ceil_div(g.out_cg, oc_block);
  // A band row: every column the outputs reach, the padding included.
  const int64_t row_len = (g.out_w - 1) * sw + g.kw;
  const int64_t slack = channel_vector_slack(sw, g.kw);

  // Packed weights and biases of every group, in the calling thread's second scratch buffer
  // (kept between calls: no zeroing and no page faults per call; the tasks below use the
  // first one of their own thread). Every element is written by the packing.
  const int64_t packed_size = g.groups * blocks * taps_per_oc * oc_block;
  float* const packed = scratch<float>(size_t(packed_size + g.groups * blocks * oc_block), 1);
  float* const packed_bias = packed + packed_size;
  for (int64_t gr = 0; gr < g.groups; ++gr) {
    pack_weight_blocks(packed + gr * blocks * taps_per_oc * oc_block,
                       packed_bias + gr * blocks * oc_block, w + gr * g.out_cg * taps_per_oc,
                       bias ? bias + gr * g.out_cg : nullptr, g.out_cg, taps_per_oc, oc_block);
  }

  // Bands of output rows: as many as fit the budget, and enough bands for every thread.
  const int64_t in_row = g.in_cg * row_len;
  const int64_t fit_rows = std::max<int64_t>(kBandBudget / in_row, g.kh);
  const int64_t images = g.batch * g.groups;
  const RowBands split =
      split_output_rows(g.out_h, (fit_rows - g.kh) / sh + 1, images, omp_get_max_threads());
  const int64_t band_rows = split.rows, bands = split.count;
  const int64_t max_rows = (band_rows - 1) * sh + g.kh;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;

  // Static scheduling over (image, group, band): deterministic, and each output element
  // is written by exactly one task.
#pragma omp parallel for schedule(static) if (images * bands > 1)
  for (int64_t t = 0; t < images * bands; ++t) {
    const int64_t img = t / bands, band = t % bands, b = img / g.groups, gr = img % g.groups;
    const int64_t oh0 = band * band_rows, oh1 = std::min(oh0 + band_rows, g.out_h);
    const int64_t rows = (oh1 - oh0 - 1) * sh + g.kh;
    // band[c][r][col] = x[c][oh0 * sh - pad_h + r][col - pad_w], or 0 outside the image.
    float* buf = scratch<float>(size_t(g.in_cg * max_rows * row_len + slack));
    fill_band(buf, x + (b * g.in_c + gr * g.in_cg) * in_hw, g.in_cg, g.h, g.w, oh0 * sh - p.pad_h,
              rows, 1, row_len, p.pad_w);
    std::fill(buf + g.in_cg * rows * row_len, buf + g.in_cg * rows * row_len + slack, 0.0f);
    const PaddedBand layout = band_layout(buf, rows, g.kw, 1, row_len);
    thread_local std::vector<int64_t> offsets;
    patch_offsets(offsets, layout, g.in_cg, g.kh, g.kw);
    DirectConvBlock blk{layout,  sh,        offsets.data(), taps_per_oc, nullptr, nullptr, nullptr,
                        out_hw,  oh1 - oh0, g.out_w,        0};
    for (int64_t ob = 0; ob < blocks; ++ob) {
      const int64_t oc0 = ob * oc_block;
      blk.weights = packed + (gr * blocks + ob) * taps_per_oc * oc_block;
      blk.bias = packed_bias + (gr * blocks + ob) * oc_block;
      blk.y = y + (b * g.out_c + gr * g.out_cg + oc0) * out_hw + oh0 * g.out_w;
      blk.valid_oc = std::min(oc_block, g.out_cg - oc0);
      kernel(blk, sw, g.out_w, 1);
    }
  }
}

}  // namespace msq::cpu
