// The front of the row-panel GEMM (gemm_row_panels.h): the check that it may run here.
#include "kernels/cpu/gemm_row_panels.h"

#include "engine/core/error.h"
#include "kernels/cpu/simd_level.h"

namespace msq::cpu {

bool row_panel_gemm_usable(int64_t rows) {
  return simd_level() == SimdLevel::avx512 && rows % kPanelRows == 0;
}

void row_panel_gemm(float* c, int64_t ldc, const float* a_panels, const float* b, int64_t ldb,
                    int64_t rows, int64_t n, int64_t k) {
  check(row_panel_gemm_usable(rows), "row_panel_gemm",
        "needs AVX-512 and a row count that is a multiple of ", kPanelRows, ", got ", rows,
        " rows at SIMD level ", simd_level_name(simd_level()));
  row_panel_gemm_avx512(c, ldc, a_panels, b, ldb, rows, n, k);
}

}  // namespace msq::cpu
