// The driver of the direct convolutions (see conv_direct.h): the path choice, padded
// bands, packed weights, tasks and threads. The register tiles are in conv_direct_kernel.h.
#include "kernels/cpu/conv_direct.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu/conv_banded_forward.h"
#include "kernels/cpu/conv_channel_vector.h"

namespace msq::cpu {

namespace {

// The environment variable MSQ_CONV_PATH=fallback|direct|channels|winograd sets the starting value (for
// A/B timings of one binary); force_conv_algorithm() changes it.
ConvAlgorithm algorithm_from_environment() {
  const char* env = std::getenv("MSQ_CONV_PATH");
  if (env && std::strcmp(env, "fallback") == 0) return ConvAlgorithm::fallback;
  if (env && std::strcmp(env, "direct") == 0) return ConvAlgorithm::direct;
  if (env && std::strcmp(env, "channels") == 0) return ConvAlgorithm::channels;
  if (env && std::strcmp(env, "winograd") == 0) return ConvAlgorithm::winograd;
  return ConvAlgorithm::automatic;
}

std::atomic<int> forced_algorithm{int(algorithm_from_environment())};

// A joined-rows band (forward_joined_rows): larger, so that its run of positions wastes
// little of its last register tile (512 KB).
constexpr int64_t kJoinedBandBudget = int64_t(1) << 17;
// Readable floats past a joined-rows band: the last tile reads up to 3 vectors beyond.
constexpr int64_t kJoinedSlack = 64;

int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

}  // namespace

int64_t padded_row_len(int64_t out_w, int64_t kw, int64_t stride_w) {
  return round_up(out_w, kDirectColumnAlign) + (kw - 1) / stride_w + 1;
}

PaddedBand band_layout(float* data, int64_t rows, int64_t kw, int64_t stride_w, int64_t row_len) {
  PaddedBand b{data, rows, stride_w, row_len, {}};
  for (int64_t j = 0; j < kw; ++j) b.taps[j] = (j % stride_w) * row_len + j / stride_w;
  return b;
}

void patch_offsets(std::vector<int64_t>& offsets, const PaddedBand& band, int64_t channels,
                   int64_t kh, int64_t kw) {
  offsets.resize(size_t(channels * kh * kw));
  const int64_t row_step = band.row_step();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j)
        offsets[size_t((c * kh + i) * kw + j)] = (c * band.rows + i) * row_step + band.taps[j];
}

// Rows shorter than this are copied and cleared by loops in fill_band, longer ones by the
// library.
constexpr int64_t kShortRow = 32;

void fill_band(float* band, const float* x, int64_t channels, int64_t h, int64_t w,
               int64_t first_row, int64_t rows, int64_t stride, int64_t row_len, int64_t pad_w) {
  const int64_t row_step = stride * row_len;
  const int64_t r0 = std::clamp<int64_t>(first_row, 0, h);
  const int64_t r1 = std::clamp<int64_t>(first_row + rows, 0, h);
  for (int64_t c = 0; c < channels; ++c) {
    // The next channel's rows are one short run; ask for them while this one is copied.
    if (c + 1 < channels) prefetch_floats(x + ((c + 1) * h + r0) * w, (r1 - r0) * w);
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = band + (c * rows + r) * row_step;
      const int64_t ih = first_row + r;
      // Short rows (15 floats at 512 @ 14) by loops: a library call costs more than they do.
      if (ih < 0 || ih >= h) {
        if (row_step < kShortRow) std::fill(dst, dst + row_step, 0.0f);
        else std::memset(dst, 0, sizeof(float) * size_t(row_step));
        continue;
      }
      const float* src = x + (c * h + ih) * w;
      if (stride == 1) {
        const int64_t n = std::min(w, row_len - pad_w);
        for (int64_t i = 0; i < pad_w; ++i) dst[i] = 0.0f;
        if (n < kShortRow) copy_row(dst + pad_w, src, n);
        else std::memcpy(dst + pad_w, src, sizeof(float) * size_t(n));
        for (int64_t i = pad_w + n; i < row_len; ++i) dst[i] = 0.0f;
        continue;
      }
      split_column_phases(dst, row_len, src, w, stride, -pad_w, row_len);
    }
  }
}

namespace {

// Taps packed together: a chunk of oc_block x kPackTaps floats (4 KB at 64 channels) is
// written while its oc_block source runs of 64 bytes are read, both in L1.
constexpr int64_t kPackTaps = 16;
// How many chunks ahead each source row is prefetched.
constexpr int64_t kPackAhead = 4;

}  // namespace

void pack_weight_taps(float* dst, const float* w, int64_t oc0, int64_t valid, int64_t taps_per_oc,
                      int64_t oc_block, int64_t t0, int64_t t1) {
  if (simd_level() == SimdLevel::avx512 && oc_block % 16 == 0)
    return pack_weight_taps_avx512(dst, w, oc0, valid, taps_per_oc, oc_block, t0, t1);
  for (int64_t c0 = t0; c0 < t1; c0 += kPackTaps) {
    const int64_t c1 = std::min(c0 + kPackTaps, t1);
    float* out = dst + (c0 - t0) * oc_block;
    for (int64_t o = 0; o < valid; ++o) {
      const float* src = w + (oc0 + o) * taps_per_oc;
      // 32 or 64 rows read side by side are too many streams for the hardware prefetcher.
      __builtin_prefetch(src + c1 + kPackAhead * kPackTaps);
      for (int64_t t = c0; t < c1; ++t) out[(t - c0) * oc_block + o] = src[t];
    }
    for (int64_t t = c0; t < c1; ++t)
      for (int64_t o = valid; o < oc_block; ++o) out[(t - c0) * oc_block + o] = 0.0f;
  }
}

void pack_weight_blocks(float* packed, float* packed_bias, const float* w, const float* bias,
                        int64_t out_c, int64_t taps_per_oc, int64_t oc_block) {
  const int64_t blocks = ceil_div(out_c, oc_block);
  for (int64_t o = 0; o < blocks * oc_block; ++o)
    packed_bias[o] = o < out_c && bias ? bias[o] : 0.0f;
  // Tasks of (block, chunk of taps); a weight tensor of a few MB packs in a fraction of a
  // millisecond on every thread instead of milliseconds on one.
  const int64_t chunks = ceil_div(taps_per_oc, kPackTaps);
#pragma omp parallel for schedule(static) if (blocks * taps_per_oc * oc_block > (int64_t(1) << 16))
  for (int64_t task = 0; task < blocks * chunks; ++task) {
    const int64_t blk = task / chunks, t0 = task % chunks * kPackTaps;
    const int64_t oc0 = blk * oc_block;
    pack_weight_taps(packed + (blk * taps_per_oc + t0) * oc_block, w, oc0,
                     std::min(oc_block, out_c - oc0), taps_per_oc, oc_block, t0,
                     std::min(t0 + kPackTaps, taps_per_oc));
  }
}

PackedConvWeights pack_group_weights(const float* w, const float* bias, const ConvGeometry& g,
                                     int64_t oc_block) {
  const int64_t taps_per_oc = g.in_cg * g.kh * g.kw, blocks = ceil_div(g.out_cg, oc_block);
  // Every element is written by the packing (zeros past each group's Cout).
  const int64_t packed_size = g.groups * blocks * taps_per_oc * oc_block;
  float* const packed = scratch<float>(size_t(packed_size + g.groups * blocks * oc_block), 1);
  float* const packed_bias = packed + packed_size;
  for (int64_t gr = 0; gr < g.groups; ++gr) {
    pack_weight_blocks(packed + gr * blocks * taps_per_oc * oc_block,
                       packed_bias + gr * blocks * oc_block, w + gr * g.out_cg * taps_per_oc,
                       bias ? bias + gr * g.out_cg : nullptr, g.out_cg, taps_per_oc, oc_block);
  }
  return {packed, packed_bias};
}

namespace {

// The measured rule (bench/conv_bench.cpp, one thread, this file's kernels against
// im2col + OpenBLAS): direct wins on every k x k (k > 1) convolution whose output rows
// are at least kDirectMinWidth wide (by 10-40 %, 3x on the 3-channel first layer), and
// loses on narrow ones (14 and 7 columns: 10 % to 2.7x slower), where the GEMM's N = Ho x Wo
// is small but Cout large; 1x1 strided convolutions (GEMM after a cheap subsampling copy)
// lose by 1.3-3x.
constexpr int64_t kDirectMinWidth = 24;
constexpr int64_t kChannelVectorMinWidth = 14;

bool direct_pays(int64_t kh, int64_t kw, int64_t out_w) {
  return kh * kw > 1 && out_w >= kDirectMinWidth;
}

// The forward's joined rows (forward_joined_rows) lose no lanes to narrow rows: there 14 x 14
// outputs win too (one thread, CPU time, 8 images: 256 channels 20.7 vs 22.0 ms, 64 channels
// 1.34 vs 1.60, 3x3 s2 256 @ 28 22.0 vs 22.9), while 7 x 7 still loses (512 channels: 33 vs
// 27 ms; 49 positions reuse each packed weight too little).
constexpr int64_t kJoinedMinPositions = 14 * 14;

bool direct_forward_pays(const ConvGeometry& g) {
  return direct_pays(g.kh, g.kw, g.out_w) ||
         (g.kh * g.kw > 1 && g.out_w % 8 != 0 && g.out_h * g.out_w >= kJoinedMinPositions);
}

}  // namespace

void prefetch_floats(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) _mm_prefetch(reinterpret_cast<const char*>(p + i), _MM_HINT_T0);
}

void prefetch_floats_l2(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) _mm_prefetch(reinterpret_cast<const char*>(p + i), _MM_HINT_T1);
}

void copy_row(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
  for (; i < n; ++i) dst[i] = src[i];
}

void split_column_phases(float* phases, int64_t ld, const float* src, int64_t w, int64_t stride,
                         int64_t offset, int64_t n) {
  if (stride == 2 && simd_level() == SimdLevel::avx512)
    return split_column_phases2_avx512(phases, ld, src, w, offset, n);
  // The row with its zeros, as far as the phases reach: row[i] = src[i + offset] or 0.
  thread_local std::vector<float> padded;
  const int64_t len = stride * n;
  if (int64_t(padded.size()) < len + 16) padded.resize(size_t(len + 16));
  float* row = padded.data();
  const int64_t lo = std::clamp<int64_t>(-offset, 0, len);
  const int64_t hi = std::clamp<int64_t>(w - offset, lo, len);
  for (int64_t i = 0; i < lo; ++i) row[i] = 0.0f;
  copy_row(row + lo, src + lo + offset, hi - lo);
  for (int64_t i = hi; i < len; ++i) row[i] = 0.0f;
  if (stride == 4) {
    // Eight outputs per phase at a time from four vectors (two columns of 4 each): each
    // vector's lanes regrouped to [t0q0 t1q0 t0q1 t1q1 | t0q2 t1q2 t0q3 t1q3], then pairs of
    // vectors merged 64 bits at a time and their halves combined.
    const __m256i pairs = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int64_t t = 0;
    for (; t + 8 <= n; t += 8) {
      __m256d v[4];
      for (int i = 0; i < 4; ++i)
        v[i] = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_loadu_ps(row + 4 * t + 8 * i), pairs));
      const __m256d lo01 = _mm256_unpacklo_pd(v[0], v[1]), hi01 = _mm256_unpackhi_pd(v[0], v[1]);
      const __m256d lo23 = _mm256_unpacklo_pd(v[2], v[3]), hi23 = _mm256_unpackhi_pd(v[2], v[3]);
      _mm256_storeu_ps(phases + t, _mm256_castpd_ps(_mm256_permute2f128_pd(lo01, lo23, 0x20)));
      _mm256_storeu_ps(phases + ld + t, _mm256_castpd_ps(_mm256_permute2f128_pd(hi01, hi23, 0x20)));
      _mm256_storeu_ps(phases + 2 * ld + t, _mm256_castpd_ps(_mm256_permute2f128_pd(lo01, lo23, 0x31)));
      _mm256_storeu_ps(phases + 3 * ld + t, _mm256_castpd_ps(_mm256_permute2f128_pd(hi01, hi23, 0x31)));
    }
    for (; t < n; ++t)
      for (int64_t q = 0; q < 4; ++q) phases[q * ld + t] = row[4 * t + q];
    return;
  }
  if (stride != 2) {
    for (int64_t q = 0; q < stride; ++q)
      for (int64_t t = 0; t < n; ++t) phases[q * ld + t] = row[stride * t + q];
    return;
  }
  // Stride 2, eight outputs per phase at a time: even and odd lanes of two vectors.
  float* even = phases;
  float* odd = phases + ld;
  int64_t t = 0;
  for (; t + 8 <= n; t += 8) {
    const __m256 a = _mm256_loadu_ps(row + 2 * t), b = _mm256_loadu_ps(row + 2 * t + 8);
    // Within 128-bit lanes: [a0 a2 b0 b2 | a4 a6 b4 b6], then the 64-bit pairs reordered.
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    _mm256_storeu_ps(even + t, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xd8)));
    _mm256_storeu_ps(odd + t, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xd8)));
  }
  for (; t < n; ++t) {
    even[t] = row[2 * t];
    odd[t] = row[2 * t + 1];
  }
}

void merge_column_phases(float* row, int64_t w, const float* even, const float* odd) {
  int64_t t = 0;
  for (; 2 * t + 16 <= w; t += 8) {
    const __m256 e = _mm256_loadu_ps(even + t), o = _mm256_loadu_ps(odd + t);
    // Within 128-bit lanes [e0 o0 e1 o1 | e4 o4 e5 o5] and [e2 o2 e3 o3 | e6 o6 e7 o7].
    const __m256 lo = _mm256_unpacklo_ps(e, o), hi = _mm256_unpackhi_ps(e, o);
    _mm256_storeu_ps(row + 2 * t, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(row + 2 * t + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  for (; 2 * t < w; ++t) {
    row[2 * t] = even[t];
    if (2 * t + 1 < w) row[2 * t + 1] = odd[t];
  }
}

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
    case ConvAlgorithm::channels:
    case ConvAlgorithm::winograd:
    case ConvAlgorithm::automatic: break;
  }
  return direct_conv_supported(g, p) && direct_forward_pays(g);
}

namespace {

// The forward over "joined rows", for outputs whose rows are not a whole number of vectors
// (28, 14, 7 columns would leave lanes of every row's last vector unused). The band is
// laid out [c][row phase ph][column phase q][t][row_len] with row_len = out_w + (kw - 1) / sw
// and input row (oh0 + t) * sh + ph - pad_h: output rows r and r + 1 then read runs exactly
// row_len apart, so a band's outputs are one run of rows * row_len positions, of which
// (kw - 1) / sw per row are junk. The kernel writes that run into a buffer; the valid
// columns are copied into y.
void forward_joined_rows(float* y, const float* x, const float* packed, const float* packed_bias,
                         const ConvGeometry& g, const Conv2dParams& p, int64_t oc_block,
                         void (*block_kernel)(const DirectConvBlock&)) {
  const int64_t sh = p.stride_h, sw = p.stride_w;
  const int64_t taps_per_oc = g.in_cg * g.kh * g.kw, blocks = ceil_div(g.out_cg, oc_block);
  const int64_t row_len = g.out_w + (g.kw - 1) / sw;
  const int64_t per_row = g.in_cg * sh * sw * row_len;  // band floats per output row
  const int64_t images = g.batch * g.groups;
  const RowBands split =
      split_output_rows(g.out_h, kJoinedBandBudget / per_row, images, omp_get_max_threads());
  const int64_t band_rows = split.rows, bands = split.count;
  const int64_t extra_rows = (g.kh - 1) / sh, max_t = band_rows + extra_rows;
  const int64_t band_size = g.in_cg * sh * sw * max_t * row_len + kJoinedSlack;
  const int64_t out_size = oc_block * band_rows * row_len;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;

#pragma omp parallel for schedule(static) if (images * bands > 1)
  for (int64_t task = 0; task < images * bands; ++task) {
    const int64_t img = task / bands, band = task % bands, b = img / g.groups, gr = img % g.groups;
    const int64_t oh0 = band * band_rows, rows = std::min(band_rows, g.out_h - oh0);
    const int64_t nt = rows + extra_rows;  // phase rows per (c, ph, q)
    const float* xg = x + (b * g.in_c + gr * g.in_cg) * in_hw;
    float* buf = scratch<float>(size_t(band_size + out_size));
    float* out = buf + band_size;
    // band[((c * sh + ph) * sw + q) * nt + t][col] = x[c][(oh0 + t) * sh + ph - pad_h]
    //                                                  [col * sw + q - pad_w], or 0.
    const int64_t ld = nt * row_len;  // from one column phase to the next
    const int64_t first = oh0 * sh - p.pad_h;
    const int64_t r0 = std::clamp<int64_t>(first, 0, g.h);
    const int64_t r1 = std::clamp<int64_t>(first + nt * sh, 0, g.h);
    for (int64_t c = 0; c < g.in_cg; ++c) {
      if (c + 1 < g.in_cg) prefetch_floats(xg + ((c + 1) * g.h + r0) * g.w, (r1 - r0) * g.w);
      for (int64_t ph = 0; ph < sh; ++ph) {
        for (int64_t t = 0; t < nt; ++t) {
          float* dst = buf + ((c * sh + ph) * sw * nt + t) * row_len;
          const int64_t ih = first + t * sh + ph;
          if (ih < 0 || ih >= g.h) {
            for (int64_t q = 0; q < sw; ++q) std::fill(dst + q * ld, dst + q * ld + row_len, 0.0f);
            continue;
          }
          split_column_phases(dst, ld, xg + (c * g.h + ih) * g.w, g.w, sw, -p.pad_w, row_len);
        }
      }
    }
    std::fill(buf + g.in_cg * sh * sw * nt * row_len, buf + g.in_cg * sh * sw * nt * row_len +
              kJoinedSlack, 0.0f);
    thread_local std::vector<int64_t> offsets;
    offsets.resize(size_t(taps_per_oc));
    for (int64_t c = 0; c < g.in_cg; ++c)
      for (int64_t i = 0; i < g.kh; ++i)
        for (int64_t j = 0; j < g.kw; ++j)
          offsets[size_t((c * g.kh + i) * g.kw + j)] =
              (((c * sh + i % sh) * sw + j % sw) * nt + i / sh) * row_len + j / sw;
    const int64_t positions = rows * row_len;
    DirectConvBlock blk{band_layout(buf, 1, 1, 1, positions), 1, offsets.data(), taps_per_oc,
                        nullptr, nullptr, out, band_rows * row_len, 1, positions, 0};
    for (int64_t ob = 0; ob < blocks; ++ob) {
      const int64_t oc0 = ob * oc_block;
      blk.weights = packed + (gr * blocks + ob) * taps_per_oc * oc_block;
      blk.bias = packed_bias + (gr * blocks + ob) * oc_block;
      blk.valid_oc = std::min(oc_block, g.out_cg - oc0);
      block_kernel(blk);
      for (int64_t o = 0; o < blk.valid_oc; ++o)
        for (int64_t r = 0; r < rows; ++r)
          copy_row(y + (b * g.out_c + gr * g.out_cg + oc0 + o) * out_hw + (oh0 + r) * g.out_w,
                   out + o * band_rows * row_len + r * row_len, g.out_w);
    }
  }
}

}  // namespace

void direct_conv_forward(float* y, const float* x, const float* w, const float* bias,
                         const ConvGeometry& g, const Conv2dParams& p) {
  const SimdLevel level = simd_level();
  const int64_t oc_block = direct_conv_oc_block(level);
  auto block_kernel = level == SimdLevel::avx512 ? direct_conv_block_avx512 : direct_conv_block_avx2;
  const PackedConvWeights packed = pack_group_weights(w, bias, g, oc_block);
  if (g.out_w % 8 != 0)
    return forward_joined_rows(y, x, packed.weights, packed.bias, g, p, oc_block, block_kernel);
  const int64_t sw = p.stride_w;
  banded_forward(y, x, packed, g, p, oc_block, padded_row_len(g.out_w, g.kw, sw), sw, 0,
                 block_kernel);
}

bool direct_backward_input_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  if (forced_conv_algorithm() == ConvAlgorithm::fallback) return false;
  if (g.depthwise() || !direct_conv_supported(g, p)) return false;
  const bool strided = p.stride_h > 1 || p.stride_w > 1;
  // Stride 1 goes through one transposed convolution, padded by K - 1 - pad.
  if (!strided && (p.pad_h > g.kh - 1 || p.pad_w > g.kw - 1)) return false;
  if (forced_conv_algorithm() == ConvAlgorithm::direct ||
      forced_conv_algorithm() == ConvAlgorithm::channels)
    return true;
  // Its output channels are gx's: with few of them (a 3-channel image) most of the
  // register tile would be padding, and im2col + GEMM measured faster. Its rows are gx's
  // (stride 1) or a phase's (gx's width / stride).
  const int64_t width = (g.w + p.stride_w - 1) / p.stride_w;
  if (g.in_cg < 16) return false;
  // Stride 1, 14 to 23 columns: the transposed convolution goes through the channel-vector
  // tiles (channel_vector_preferred), which measured faster than im2col + GEMM there
  // (whole backward of 3x3 256 @ 14, one thread: 41.7 vs 39.0 ms) but not at 7 columns
  // (3x3 512 @ 7: 50.5 vs 55.5 ms).
  if (!strided && g.kh * g.kw > 1 && width >= kChannelVectorMinWidth && g.out_cg >= 16 &&
      channel_vector_supported(g, p))
    return true;
  return direct_pays(g.kh, g.kw, width);
}

void direct_conv_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p) {
  if (p.stride_h > 1 || p.stride_w > 1) return direct_conv_backward_input_polyphase(gx, gy, w, g, p);
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
  if (channel_vector_preferred(t, tp)) return channel_vector_forward(gx, gy, w_t.data(), nullptr, t, tp);
  direct_conv_forward(gx, gy, w_t.data(), nullptr, t, tp);
}

bool direct_backward_weight_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  if (forced_conv_algorithm() == ConvAlgorithm::fallback) return false;
  if (g.groups != 1 || p.dilation_h != 1 || p.dilation_w != 1 || g.kh * g.kw == 1) return false;
  // Narrow outputs (14, 7 columns) have many channels: the per-thread gradient copy
  // [taps][Cout] then outgrows the cache, and im2col + GEMM measured faster.
  return forced_conv_algorithm() == ConvAlgorithm::direct || direct_pays(g.kh, g.kw, g.out_w);
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

bool depthwise_backward_input_simd_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  return depthwise_simd_preferred(g, p) && g.out_c == g.in_c && p.stride_h == 1 &&
         p.stride_w == 1 && p.pad_h <= g.kh - 1 && p.pad_w <= g.kw - 1;
}

void depthwise_backward_input_simd(float* gx, const float* gy, const float* w,
                                   const ConvGeometry& g, const Conv2dParams& p) {
  // The depthwise forward of gy with every channel's kernel flipped, padded by K - 1 - pad.
  const int64_t taps = g.kh * g.kw;
  std::vector<float> flipped(size_t(g.out_c * taps));
  for (int64_t c = 0; c < g.out_c; ++c)
    for (int64_t t = 0; t < taps; ++t) flipped[size_t(c * taps + t)] = w[c * taps + taps - 1 - t];
  ConvGeometry t = g;  // gy is its input, gx its output
  t.h = g.out_h;
  t.w = g.out_w;
  t.out_h = g.h;
  t.out_w = g.w;
  Conv2dParams tp = p;
  tp.pad_h = g.kh - 1 - p.pad_h;
  tp.pad_w = g.kw - 1 - p.pad_w;
  depthwise_forward_simd(gx, gy, flipped.data(), nullptr, t, tp);
}

void depthwise_backward_weight_simd(float* gw, const float* gy, const float* x,
                                    const ConvGeometry& g, const Conv2dParams& p) {
  const SimdLevel level = simd_level();
  auto plane_kernel = level == SimdLevel::avx512 ? depthwise_weight_grad_plane_avx512
                                                 : depthwise_weight_grad_plane_avx2;
  const int64_t mult = g.out_c / g.in_c, sh = p.stride_h, sw = p.stride_w;
  const int64_t row_len = padded_row_len(g.out_w, g.kw, sw);
  const int64_t rows = (g.out_h - 1) * sh + g.kh;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w, taps = g.kh * g.kw;
  const int64_t ld = round_up(g.out_w, kDirectColumnAlign);  // gy's padded rows
  const int64_t padded_taps = round_up(taps, kDepthwiseGradTaps);
  // One output channel per iteration, every image inside: each gw row has one writer and
  // one order of summation.
#pragma omp parallel for schedule(static)
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    const int64_t ic = oc / mult;
    float* buf = scratch<float>(size_t(rows * sw * row_len + g.out_h * ld + padded_taps));
    float* gy_pad = buf + rows * sw * row_len;
    float* sums = gy_pad + g.out_h * ld;
    std::fill(sums, sums + padded_taps, 0.0f);
    thread_local std::vector<int64_t> offsets;
    for (int64_t b = 0; b < g.batch; ++b) {
      fill_band(buf, x + (b * g.in_c + ic) * in_hw, 1, g.h, g.w, -p.pad_h, rows, sw, row_len,
                p.pad_w);
      const PaddedBand band = band_layout(buf, rows, g.kw, sw, row_len);
      patch_offsets(offsets, band, 1, g.kh, g.kw);
      offsets.resize(size_t(padded_taps), 0);  // extra taps read position 0; never kept
      const float* gyc = gy + (b * g.out_c + oc) * out_hw;
      for (int64_t r = 0; r < g.out_h; ++r) {
        copy_row(gy_pad + r * ld, gyc + r * g.out_w, g.out_w);
        std::fill(gy_pad + r * ld + g.out_w, gy_pad + (r + 1) * ld, 0.0f);
      }
      DepthwisePlane plane{band, sh, offsets.data(), padded_taps, nullptr, 0.0f, nullptr,
                           g.out_h, g.out_w};
      plane_kernel(plane, gy_pad, ld, sums);
    }
    std::copy(sums, sums + taps, gw + oc * taps);
  }
}

}  // namespace msq::cpu
