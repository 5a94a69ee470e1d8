// The direct convolution tiles for AVX-512F (16 floats per vector, 32 registers):
// 8 output channels x 3 vectors = 24 accumulators; depthwise 4 rows x 3 vectors; weight
// gradient 6 taps x up to 4 vectors of output channels;
// remainders of up to 8 columns in 256-bit vectors (AVX-512VL: still 32 registers); and the
// weight packing's 16 x 16 transposes.
// Compiled for AVX-512 by the pragma below and only called where simd_level() says the
// CPU has it.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/conv_direct.h"

#include "kernels/cpu/avx512_region_begin.h"

#include "kernels/cpu/conv_direct_kernel.h"
#include "kernels/cpu/float_vector_avx512.h"

namespace msq::cpu {

void direct_conv_block_avx512(const DirectConvBlock& b) {
  direct::conv_block<Avx512Floats, Avx512NarrowFloats, 8, 3>(b);
}
void depthwise_plane_avx512(const DepthwisePlane& p) {
  direct::depthwise_plane<Avx512Floats, Avx512NarrowFloats, 4, 3>(p);
}
void depthwise_weight_grad_plane_avx512(const DepthwisePlane& p, const float* gy, int64_t ld,
                                        float* sums) {
  direct::depthwise_weight_grad_plane<Avx512Floats>(p, gy, ld, sums);
}
void weight_grad_block_avx512(const WeightGradBlock& b, int vectors) {
  switch (vectors) {
    case 1: return direct::weight_grad_block<Avx512Floats, 1>(b);
    case 2: return direct::weight_grad_block<Avx512Floats, 2>(b);
    case 3: return direct::weight_grad_block<Avx512Floats, 3>(b);
    default: return direct::weight_grad_block<Avx512Floats, 4>(b);
  }
}

void split_column_phases2_avx512(float* phases, int64_t ld, const float* src, int64_t w,
                                 int64_t offset, int64_t n) {
  // Block t: virtual elements [2t, 2t + 32) = src[2t + offset, ...), lanes outside [0, w)
  // neither read nor kept (zero); even and odd lanes gathered by one two-source permute each.
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  auto lanes = [&](int64_t first) {  // the lanes i < 16 with 0 <= first + i < w
    const int64_t lo = std::clamp<int64_t>(-first, 0, 16), hi = std::clamp<int64_t>(w - first, 0, 16);
    if (hi <= lo) return __mmask16(0);
    return __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1));
  };
  for (int64_t t = 0; t < n; t += 16) {
    const int64_t first = 2 * t + offset;
    const __mmask16 ma = lanes(first), mb = lanes(first + 16);
    const __m512 a = _mm512_maskz_loadu_ps(ma, src + first);
    const __m512 b = _mm512_maskz_loadu_ps(mb, src + first + 16);
    const int64_t count = std::min<int64_t>(16, n - t);
    const __mmask16 keep = count == 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1);
    _mm512_mask_storeu_ps(phases + t, keep, _mm512_permutex2var_ps(a, even, b));
    _mm512_mask_storeu_ps(phases + ld + t, keep, _mm512_permutex2var_ps(a, odd, b));
  }
}

namespace {

// r[j] <- column j of the 16 x 16 block whose rows are r[0..15] (64 shuffles).
void transpose16(__m512 (&r)[16]) {
  __m512 t[16], u[16];
  for (int k = 0; k < 8; ++k) {  // lane L of t[2k]: r2k[4L], r2k+1[4L], r2k[4L+1], r2k+1[4L+1]
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {  // lane L of u[4k + j]: column 4L + j of rows 4k .. 4k + 3
    const __m512d a = _mm512_castps_pd(t[4 * k]), b = _mm512_castps_pd(t[4 * k + 2]);
    const __m512d c = _mm512_castps_pd(t[4 * k + 1]), d = _mm512_castps_pd(t[4 * k + 3]);
    u[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    u[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    u[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    u[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
  for (int j = 0; j < 4; ++j) {  // column 4L + j: lane L of u[j], u[4 + j], u[8 + j], u[12 + j]
    const __m512 a = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88);      // L0, L2 of each
    const __m512 b = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xdd);      // L1, L3
    const __m512 c = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
    const __m512 d = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xdd);
    r[j] = _mm512_shuffle_f32x4(a, c, 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(b, d, 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(a, c, 0xdd);
    r[12 + j] = _mm512_shuffle_f32x4(b, d, 0xdd);
  }
}

}  // namespace

void pack_weight_taps_avx512(float* dst, const float* w, int64_t oc0, int64_t valid,
                             int64_t taps_per_oc, int64_t oc_block, int64_t t0, int64_t t1) {
  for (int64_t c0 = t0; c0 < t1; c0 += 16) {
    const int64_t n = std::min<int64_t>(16, t1 - c0);
    const __mmask16 m = n == 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
    for (int64_t o0 = 0; o0 < oc_block; o0 += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i) {
        const int64_t o = o0 + i;
        const float* src = w + (oc0 + o) * taps_per_oc + c0;
        // 32 or 64 rows read side by side are too many streams for the hardware prefetcher.
        if (o < valid) _mm_prefetch(reinterpret_cast<const char*>(src + 64), _MM_HINT_T0);
        r[i] = o < valid ? _mm512_maskz_loadu_ps(m, src) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int64_t j = 0; j < n; ++j) _mm512_storeu_ps(dst + (c0 - t0 + j) * oc_block + o0, r[j]);
    }
  }
}

}  // namespace msq::cpu

#include "kernels/cpu/avx512_region_end.h"
