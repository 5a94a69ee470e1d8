// The driver of the direct convolutions (see conv_direct.h): the path choice, padded
// bands, packed weights, tasks and threads. The register tiles are in conv_direct_kernel.h.
#include "kernels/cpu/conv_direct.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace msq::cpu {

namespace {

// The environment variable MSQ_CONV_PATH=fallback|direct sets the starting value (for
// A/B timings of one binary); force_conv_algorithm() changes it.
ConvAlgorithm algorithm_from_environment() {
  const char* env = std::getenv("MSQ_CONV_PATH");
  if (env && std::strcmp(env, "fallback") == 0) return ConvAlgorithm::fallback;
  if (env && std::strcmp(env, "direct") == 0) return ConvAlgorithm::direct;
  return ConvAlgorithm::automatic;
}

std::atomic<int> forced_algorithm{int(algorithm_from_environment())};

// A padded band holds about this many floats (256 KB: it stays in L2 while every output
// channel block sweeps over it).
constexpr int64_t kBandBudget = int64_t(1) << 16;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Floats per phase of a padded row: the output columns rounded up to whole vectors, plus
// the taps' reach beyond them.
int64_t padded_row_len(int64_t out_w, int64_t kw, int64_t stride_w) {
  return round_up(out_w, kDirectColumnAlign) + (kw - 1) / stride_w + 1;
}

PaddedBand band_layout(float* data, int64_t rows, int64_t kw, int64_t stride_w, int64_t row_len) {
  PaddedBand b{data, rows, stride_w, row_len, {}};
  for (int64_t j = 0; j < kw; ++j) b.taps[j] = (j % stride_w) * row_len + j / stride_w;
  return b;
}

// offsets[(c * kh + i) * kw + j]: where tap (c, i, j) reads in a band, from an output
// position's first input row and column.
void patch_offsets(std::vector<int64_t>& offsets, const PaddedBand& band, int64_t channels,
                   int64_t kh, int64_t kw) {
  offsets.resize(size_t(channels * kh * kw));
  const int64_t row_step = band.row_step();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j)
        offsets[size_t((c * kh + i) * kw + j)] = (c * band.rows + i) * row_step + band.taps[j];
}

// Fills `rows` padded rows of `channels` channels from x: [channels, h, w], starting at
// input row first_row (rows outside [0, h) become zeros):
// band[c][r][p][t] = x[c][first_row + r][stride * t + p - pad_w], or 0 outside the image.
void fill_band(float* band, const float* x, int64_t channels, int64_t h, int64_t w,
               int64_t first_row, int64_t rows, int64_t stride, int64_t row_len, int64_t pad_w) {
  const int64_t row_step = stride * row_len;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = band + (c * rows + r) * row_step;
      const int64_t ih = first_row + r;
      if (ih < 0 || ih >= h) {
        std::memset(dst, 0, sizeof(float) * size_t(row_step));
        continue;
      }
      const float* src = x + (c * h + ih) * w;
      if (stride == 1) {
        const int64_t n = std::min(w, row_len - pad_w);
        std::memset(dst, 0, sizeof(float) * size_t(pad_w));
        std::memcpy(dst + pad_w, src, sizeof(float) * size_t(n));
        std::memset(dst + pad_w + n, 0, sizeof(float) * size_t(row_len - pad_w - n));
        continue;
      }
      // Phase p: zeros, then src[stride * t + p - pad_w] for the t inside the image, zeros.
      for (int64_t p = 0; p < stride; ++p) {
        float* d = dst + p * row_len;
        int64_t lo, hi;
        valid_range(p - pad_w, stride, w, row_len, lo, hi);
        const int64_t off = p - pad_w;
        for (int64_t t = 0; t < lo; ++t) d[t] = 0.0f;
        if (stride == 2) {  // the common case, with a constant stride the compiler vectorises
          for (int64_t t = lo; t < hi; ++t) d[t] = src[2 * t + off];
        } else {
          for (int64_t t = lo; t < hi; ++t) d[t] = src[stride * t + off];
        }
        for (int64_t t = hi; t < row_len; ++t) d[t] = 0.0f;
      }
    }
  }
}

// Packs w_g: [Cout_g, Cin_g, KH, KW] into blocks [Cin_g][KH][KW][oc_block] (zero past
// Cout_g), one after another; bias likewise into [oc_block] per block.
void pack_weights(float* packed, float* packed_bias, const float* w, const float* bias,
                  int64_t out_c, int64_t taps_per_oc, int64_t oc_block) {
  const int64_t blocks = ceil_div(out_c, oc_block);
  for (int64_t blk = 0; blk < blocks; ++blk) {
    float* dst = packed + blk * taps_per_oc * oc_block;
    for (int64_t o = 0; o < oc_block; ++o) {
      const int64_t oc = blk * oc_block + o;
      packed_bias[blk * oc_block + o] = oc < out_c && bias ? bias[oc] : 0.0f;
      for (int64_t t = 0; t < taps_per_oc; ++t)
        dst[t * oc_block + o] = oc < out_c ? w[oc * taps_per_oc + t] : 0.0f;
    }
  }
}

// The measured rule (bench/conv_bench.cpp, one thread, this file's kernels against
// im2col + OpenBLAS): direct wins on every k x k (k > 1) convolution whose output rows
// are at least kDirectMinWidth wide (by 10-40 %, 3x on the 3-channel first layer), and
// loses on narrow ones (14 and 7 columns: 10 % to 2.7x slower), where the GEMM's N = Ho x Wo
// is small but Cout large; 1x1 strided convolutions (GEMM after a cheap subsampling copy)
// lose by 1.3-3x.
constexpr int64_t kDirectMinWidth = 24;

bool direct_pays(int64_t kh, int64_t kw, int64_t out_w) {
  return kh * kw > 1 && out_w >= kDirectMinWidth;
}

}  // namespace

int direct_conv_oc_block(SimdLevel level) { return level == SimdLevel::avx512 ? 8 : 4; }

void force_conv_algorithm(ConvAlgorithm a) { forced_algorithm.store(int(a)); }
ConvAlgorithm forced_conv_algorithm() { return ConvAlgorithm(forced_algorithm.load()); }

bool direct_conv_supported(const ConvGeometry& g, const Conv2dParams& p) {
  return p.dilation_h == 1 && p.dilation_w == 1 && g.kw <= kDirectMaxKernelWidth;
}

bool direct_conv_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback: return false;
    case ConvAlgorithm::direct: return direct_conv_supported(g, p) && g.kh * g.kw > 1;
    case ConvAlgorithm::automatic: break;
  }
  return direct_conv_supported(g, p) && direct_pays(g.kh, g.kw, g.out_w);
}

void direct_conv_forward(float* y, const float* x, const float* w, const float* bias,
                         const ConvGeometry& g, const Conv2dParams& p) {
  const SimdLevel level = simd_level();
  const int64_t oc_block = direct_conv_oc_block(level);
  auto block_kernel = level == SimdLevel::avx512 ? direct_conv_block_avx512 : direct_conv_block_avx2;
  const int64_t sh = p.stride_h, sw = p.stride_w;
  const int64_t taps_per_oc = g.in_cg * g.kh * g.kw, blocks = ceil_div(g.out_cg, oc_block);
  const int64_t row_len = padded_row_len(g.out_w, g.kw, sw);

  // Packed weights and biases of every group.
  std::vector<float> packed(size_t(g.groups * blocks * taps_per_oc * oc_block));
  std::vector<float> packed_bias(size_t(g.groups * blocks * oc_block));
  for (int64_t gr = 0; gr < g.groups; ++gr) {
    pack_weights(packed.data() + gr * blocks * taps_per_oc * oc_block,
                 packed_bias.data() + gr * blocks * oc_block, w + gr * g.out_cg * taps_per_oc,
                 bias ? bias + gr * g.out_cg : nullptr, g.out_cg, taps_per_oc, oc_block);
  }

  // Bands of output rows: as many rows as fit the budget, and enough bands for every
  // thread to have work.
  const int64_t in_row = g.in_cg * sw * row_len;
  const int64_t fit_rows = std::max<int64_t>(kBandBudget / in_row, g.kh);
  int64_t band_rows = std::clamp<int64_t>((fit_rows - g.kh) / sh + 1, 1, g.out_h);
  const int64_t images = g.batch * g.groups, threads = omp_get_max_threads();
  if (images * ceil_div(g.out_h, band_rows) < 2 * threads && images < threads)
    band_rows = std::max<int64_t>(1, g.out_h / ceil_div(2 * threads, images));
  const int64_t bands = ceil_div(g.out_h, band_rows);
  const int64_t max_rows = (band_rows - 1) * sh + g.kh;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;

  // Static scheduling over (image, group, band): deterministic, and each output element
  // is written by exactly one task.
#pragma omp parallel for schedule(static) if (images * bands > 1)
  for (int64_t t = 0; t < images * bands; ++t) {
    const int64_t img = t / bands, band = t % bands, b = img / g.groups, gr = img % g.groups;
    const int64_t oh0 = band * band_rows, oh1 = std::min(oh0 + band_rows, g.out_h);
    const int64_t rows = (oh1 - oh0 - 1) * sh + g.kh;
    float* buf = scratch<float>(size_t(g.in_cg * max_rows * sw * row_len));
    fill_band(buf, x + (b * g.in_c + gr * g.in_cg) * in_hw, g.in_cg, g.h, g.w, oh0 * sh - p.pad_h,
              rows, sw, row_len, p.pad_w);
    const PaddedBand layout = band_layout(buf, rows, g.kw, sw, row_len);
    thread_local std::vector<int64_t> offsets;
    patch_offsets(offsets, layout, g.in_cg, g.kh, g.kw);
    DirectConvBlock blk{layout,  sh,     offsets.data(), taps_per_oc, nullptr, nullptr, nullptr,
                        out_hw,  oh1 - oh0, g.out_w,     0};
    for (int64_t ob = 0; ob < blocks; ++ob) {
      const int64_t oc0 = ob * oc_block;
      blk.weights = packed.data() + (gr * blocks + ob) * taps_per_oc * oc_block;
      blk.bias = packed_bias.data() + (gr * blocks + ob) * oc_block;
      blk.y = y + (b * g.out_c + gr * g.out_cg + oc0) * out_hw + oh0 * g.out_w;
      blk.valid_oc = std::min(oc_block, g.out_cg - oc0);
      block_kernel(blk);
    }
  }
}

bool direct_backward_input_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  if (forced_conv_algorithm() == ConvAlgorithm::fallback) return false;
  // Its output channels are gx's: with few of them (a 3-channel image) most of the
  // register tile would be padding, and im2col + GEMM measured faster.
  return !g.depthwise() && p.stride_h == 1 && p.stride_w == 1 && direct_conv_supported(g, p) &&
         p.pad_h <= g.kh - 1 && p.pad_w <= g.kw - 1 &&
         (forced_conv_algorithm() == ConvAlgorithm::direct ||
          (g.in_cg >= 16 && direct_pays(g.kh, g.kw, g.w)));
}

void direct_conv_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p) {
  // w_t: [Cin, Cout_g, KH, KW], w_t[gr * Cin_g + c][o][i][j] = w[gr * Cout_g + o][c][KH-1-i][KW-1-j]
  const int64_t taps = g.kh * g.kw;
  std::vector<float> w_t(size_t(g.in_c * g.out_cg * taps));
  for (int64_t gr = 0; gr < g.groups; ++gr) {
    for (int64_t o = 0; o < g.out_cg; ++o) {
      for (int64_t c = 0; c < g.in_cg; ++c) {
        const float* src = w + ((gr * g.out_cg + o) * g.in_cg + c) * taps;
        float* dst = w_t.data() + ((gr * g.in_cg + c) * g.out_cg + o) * taps;
        for (int64_t t = 0; t < taps; ++t) dst[t] = src[taps - 1 - t];
      }
    }
  }
  ConvGeometry t = g;  // the transposed convolution: gy is its input, gx its output
  t.in_c = g.out_c;
  t.h = g.out_h;
  t.w = g.out_w;
  t.out_c = g.in_c;
  t.out_h = g.h;
  t.out_w = g.w;
  t.in_cg = g.out_cg;
  t.out_cg = g.in_cg;
  Conv2dParams tp = p;
  tp.pad_h = g.kh - 1 - p.pad_h;
  tp.pad_w = g.kw - 1 - p.pad_w;
  direct_conv_forward(gx, gy, w_t.data(), nullptr, t, tp);
}

bool depthwise_simd_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  return g.depthwise() && forced_conv_algorithm() != ConvAlgorithm::fallback &&
         p.dilation_h == 1 && p.dilation_w == 1 && g.kw <= kDirectMaxKernelWidth;
}

// Threads over (image, input channel): the channel's plane is padded once and serves its
// `multiplier` output channels.
void depthwise_forward_simd(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p) {
  auto plane_kernel =
      simd_level() == SimdLevel::avx512 ? depthwise_plane_avx512 : depthwise_plane_avx2;
  const int64_t mult = g.out_c / g.in_c, sh = p.stride_h, sw = p.stride_w;
  const int64_t row_len = padded_row_len(g.out_w, g.kw, sw);
  const int64_t rows = (g.out_h - 1) * sh + g.kh;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;
#pragma omp parallel for schedule(static)
  for (int64_t bc = 0; bc < g.batch * g.in_c; ++bc) {
    const int64_t b = bc / g.in_c, ic = bc % g.in_c;
    float* buf = scratch<float>(size_t(rows * sw * row_len));
    fill_band(buf, x + bc * in_hw, 1, g.h, g.w, -p.pad_h, rows, sw, row_len, p.pad_w);
    const PaddedBand band = band_layout(buf, rows, g.kw, sw, row_len);
    thread_local std::vector<int64_t> offsets;
    patch_offsets(offsets, band, 1, g.kh, g.kw);
    for (int64_t m = 0; m < mult; ++m) {
      const int64_t oc = ic * mult + m;
      DepthwisePlane plane{band, sh, offsets.data(), g.kh * g.kw, w + oc * g.kh * g.kw,
                           bias ? bias[oc] : 0.0f, y + (b * g.out_c + oc) * out_hw, g.out_h,
                           g.out_w};
      plane_kernel(plane);
    }
  }
}

}  // namespace msq::cpu
