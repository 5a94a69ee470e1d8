// The AVX-512 kernel of the row-panel GEMM (gemm_row_panels.h). Compiled for AVX-512 by the
// region below and only called where row_panel_gemm_usable() holds.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/gemm_row_panels.h"

#include "kernels/cpu/avx512_region_begin.h"

namespace msq::cpu {

namespace {

// One tile of C: 8 rows x up to 16 * Vectors columns, the last vector's columns under `last`,
// starting from zero or (accumulate) from what C holds.
// Every loop over rows and vectors is unrolled, so each acc[r][v] is a constant index and
// stays in a register.
// c: [8, ...] (row stride ldc), panel: [k][8], b: [k, ...] (row stride ldb).
template <int Vectors>
inline void panel_tile(float* c, int64_t ldc, const float* panel, const float* b, int64_t ldb,
                       int64_t k, __mmask16 last, bool accumulate) {
  __m512 acc[kPanelRows][Vectors];
#pragma GCC unroll 8
  for (int r = 0; r < kPanelRows; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      const float* cv = c + r * ldc + 16 * v;
      if (!accumulate) acc[r][v] = _mm512_setzero_ps();
      else acc[r][v] = v == Vectors - 1 ? _mm512_maskz_loadu_ps(last, cv) : _mm512_loadu_ps(cv);
    }
  for (int64_t j = 0; j < k; ++j) {
    const float* bj = b + j * ldb;
    __m512 x[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v)
      x[v] = v == Vectors - 1 ? _mm512_maskz_loadu_ps(last, bj + 16 * v) : _mm512_loadu_ps(bj + 16 * v);
    const float* a = panel + j * kPanelRows;
#pragma GCC unroll 8
    for (int r = 0; r < kPanelRows; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r]);
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) acc[r][v] = _mm512_fmadd_ps(ar, x[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kPanelRows; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      if (v == Vectors - 1) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, last, acc[r][v]);
      else _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
    }
}

}  // namespace

void row_panel_gemm_avx512(float* c, int64_t ldc, const float* a_panels, const float* b,
                           int64_t ldb, int64_t rows, int64_t n, int64_t k, bool accumulate) {
  // Column blocks outside, panels inside: a block of b (k x 32 floats) is read from memory
  // once and then from the core's cache by every panel.
  constexpr int64_t kTile = 32;  // columns per full tile (two vectors)
  const int64_t panels = rows / kPanelRows;
  for (int64_t j0 = 0; j0 < n; j0 += kTile) {
    const int64_t cols = std::min(kTile, n - j0);
    const int bits = int(cols % 16);
    const __mmask16 last = bits ? __mmask16((1u << bits) - 1) : __mmask16(0xffff);
    for (int64_t p = 0; p < panels; ++p) {
      const float* panel = a_panels + p * k * kPanelRows;
      float* cp = c + p * kPanelRows * ldc + j0;
      if (cols > 16) panel_tile<2>(cp, ldc, panel, b + j0, ldb, k, last, accumulate);
      else panel_tile<1>(cp, ldc, panel, b + j0, ldb, k, last, accumulate);
    }
  }
}

}  // namespace msq::cpu

#include "kernels/cpu/avx512_region_end.h"
