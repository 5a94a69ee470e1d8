// The direct weight gradient of an ungrouped float32 convolution (see conv_direct.h):
//   gw[o][c][i][j] = sum over images and output positions (oh, ow) of
//                    gy[o][oh][ow] * x[c][oh * sh + i - ph][ow * sw + j - pw].
// Work is split into bands of output rows of one image. Per band:
// - gy's rows are transposed to [position][channel], so a vector holds consecutive output
//   channels of one position;
// - x's rows form a ShiftedBand (conv_shifted_band.h): tap (c, i, j) reads the band's
//   positions p = r * out_w + ow at one unit-stride run, offsets[t] + p.
// The tiles (conv_direct_kernel.h) accumulate gw transposed, [tap][channel], into one copy
// per thread; the copies are summed and transposed at the end.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_shifted_band.h"

namespace msq::cpu {

namespace {

int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// A band's shifted input and transposed gy together hold about this many floats (512 KB:
// half of a core's L2, where every tile sweep over the band finds them).
constexpr int64_t kWeightGradBandBudget = int64_t(1) << 17;

// dst[c][r] = src[r][c] for an 8 x 8 block (AVX2, which the library's baseline has).
void transpose8x8(float* dst, int64_t ld_dst, const float* src, int64_t ld_src) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld_src);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ld_dst, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ld_dst, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}

// gy_t[p][o] = gy[o][p] for p < positions, o < channels; columns up to ld are zeroed.
// gy: [channels][plane] (this band's first position at 0)
void transpose_gy(float* gy_t, const float* gy, int64_t channels, int64_t plane,
                  int64_t positions, int64_t ld) {
  const int64_t c8 = channels / 8 * 8, p8 = positions / 8 * 8;
  for (int64_t p0 = 0; p0 < p8; p0 += 8)
    for (int64_t o0 = 0; o0 < c8; o0 += 8)
      transpose8x8(gy_t + p0 * ld + o0, ld, gy + o0 * plane + p0, plane);
  for (int64_t p = 0; p < positions; ++p) {
    float* row = gy_t + p * ld;
    for (int64_t o = p < p8 ? c8 : 0; o < channels; ++o) row[o] = gy[o * plane + p];
    std::fill(row + channels, row + ld, 0.0f);
  }
}

}  // namespace

void direct_conv_backward_weight(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                                 const Conv2dParams& p) {
  const SimdLevel level = simd_level();
  const int64_t width = level == SimdLevel::avx512 ? 16 : 8;
  const int max_vectors = level == SimdLevel::avx512 ? 4 : 2;
  auto block_kernel = level == SimdLevel::avx512 ? weight_grad_block_avx512 : weight_grad_block_avx2;
  const ShiftedBand shifted(g, p);
  const int64_t patch = g.patch(), taps = round_up(patch, kWeightGradTaps);
  const int64_t ld = round_up(g.out_c, width);  // channels of gy_t and gw_t
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;

  // Bands of output rows: as many as fit the budget, and enough bands to keep every thread
  // busy.
  const int64_t per_row = shifted.floats_per_row() + g.out_w * ld;
  int64_t band_rows = std::clamp<int64_t>(kWeightGradBandBudget / per_row, 1, g.out_h);
  const int64_t threads = omp_get_max_threads();
  if (g.batch * ceil_div(g.out_h, band_rows) < threads)
    band_rows = std::max<int64_t>(1, g.out_h / ceil_div(threads, g.batch));
  const int64_t bands = ceil_div(g.out_h, band_rows), tasks = g.batch * bands;
  const int slots = int(std::min<int64_t>(threads, tasks));

  // One gw_t accumulator per thread: [taps][ld].
  const int64_t gw_t_size = taps * ld;
  float* partial = scratch<float>(size_t(slots * gw_t_size), 1);
  std::fill(partial, partial + slots * gw_t_size, 0.0f);

#pragma omp parallel num_threads(slots)
  {
    const int slot = omp_get_thread_num();
    float* buf = scratch<float>(size_t(shifted.size(band_rows) + band_rows * g.out_w * ld +
                                       shifted.phases_size()));
    std::vector<int64_t> offsets(size_t(taps), 0);
    WeightGradBlock blk{};
    blk.ld_gy = ld;
    blk.ld_gw = ld;
    blk.taps = taps;
    // Static scheduling: each slot always sums the same tasks in the same order.
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t b = task / bands, oh0 = (task % bands) * band_rows;
      const int64_t rows = std::min(band_rows, g.out_h - oh0), positions = rows * g.out_w;
      float* x_band = buf;
      float* gy_t = buf + shifted.size(rows);
      float* phases = gy_t + positions * ld;
      shifted.fill(x_band, phases, x + b * g.in_c * in_hw, oh0, rows);
      shifted.tap_offsets(offsets.data(), rows);
      transpose_gy(gy_t, gy + b * g.out_c * out_hw + oh0 * g.out_w, g.out_c, out_hw, positions, ld);
      blk.x = x_band;
      blk.offsets = offsets.data();
      blk.positions = positions;
      for (int64_t o0 = 0; o0 < ld; o0 += max_vectors * width) {
        blk.gy_t = gy_t + o0;
        blk.gw_t = partial + slot * gw_t_size + o0;
        block_kernel(blk, int(std::min<int64_t>(max_vectors, (ld - o0) / width)));
      }
    }
  }

  // gw[o][t] = sum over slots of partial[slot][t][o].
#pragma omp parallel for schedule(static) if (g.out_c * patch > 32768)
  for (int64_t t = 0; t < patch; ++t) {
    for (int64_t o = 0; o < g.out_c; ++o) {
      float s = 0.0f;
      for (int sl = 0; sl < slots; ++sl) s += partial[sl * gw_t_size + t * ld + o];
      gw[o * patch + t] = s;
    }
  }
}

}  // namespace msq::cpu
