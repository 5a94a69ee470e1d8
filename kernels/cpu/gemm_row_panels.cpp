// The front of the row-panel GEMM (gemm_row_panels.h): the check that it may run here.
#include "kernels/cpu/gemm_row_panels.h"

#include "engine/core/error.h"
#include "kernels/cpu/simd_level.h"

namespace msq::cpu {

bool row_panel_gemm_usable(int64_t rows) {
  return simd_level() == SimdLevel::avx512 && rows % kPanelRows == 0;
}

void row_panel_gemm(float* c, int64_t ldc, const float* a_panels, const float* b, int64_t ldb,
                    int64_t rows, int64_t n, int64_t k, bool accumulate) {
  check(row_panel_gemm_usable(rows), "row_panel_gemm",
        "needs AVX-512 and a row count that is a multiple of ", kPanelRows, ", got ", rows,
        " rows at SIMD level ", simd_level_name(simd_level()));
  row_panel_gemm_avx512(c, ldc, a_panels, b, ldb, rows, n, k, accumulate);
}

void pack_row_panels(float* a_panels, const float* a, int64_t lda, int64_t rows, int64_t k,
                     bool transposed) {
  check(rows % kPanelRows == 0, "pack_row_panels", "rows must be a multiple of ", kPanelRows,
        ", got ", rows);
  for (int64_t p = 0; p < rows; p += kPanelRows) {
    float* dst = a_panels + p * k;
    for (int64_t j = 0; j < k; ++j)
      for (int64_t r = 0; r < kPanelRows; ++r)
        dst[j * kPanelRows + r] = transposed ? a[j * lda + p + r] : a[(p + r) * lda + j];
  }
}

}  // namespace msq::cpu
