// A float32 GEMM whose left operand comes already packed in panels of 8 rows, for the
// Winograd convolutions (conv_winograd.cpp), whose weight transform writes the panels
// directly, so the 16 weight matrices of a 512-channel layer (16 MB) are never packed a
// second time, as OpenBLAS packs its operands on every call; and for 1x1 convolutions
// (conv.cpp), whose small weight matrix is packed once per call. The kernel keeps 8 rows x 32
// columns of C in 16 AVX-512 registers; the right operand is read in place (any row stride).
// Measured against OpenBLAS 0.3.21 (bench/gemm_bench.cpp: one thread, Zen 4, operands in
// cache): 512 x 512 @ 512 x 128 110 against 102 GFLOP/s, 64 x 64 @ 64 x 256 108 against 93.
//
// AVX-512 only: row_panel_gemm_usable() says whether a call may be made (the caller keeps a
// CBLAS path for AVX2 CPUs and row counts that are not a multiple of 8).
#pragma once
#include <cstdint>

namespace msq::cpu {

constexpr int64_t kPanelRows = 8;

// Whether row_panel_gemm runs here: the CPU (and simd_level()) has AVX-512 and `rows` is a
// multiple of kPanelRows.
bool row_panel_gemm_usable(int64_t rows);

// Where A[r][j] (A: [rows, k]) sits in its panel form: [rows / 8][k][8].
inline int64_t row_panel_index(int64_t r, int64_t j, int64_t k) {
  return (r / kPanelRows) * k * kPanelRows + j * kPanelRows + r % kPanelRows;
}

// c: [rows, n] (row stride ldc) = A @ b, or += where `accumulate`; A: [rows, k] in panel form
// (a_panels), b: [k, n] (row stride ldb). Single-threaded; rows % 8 == 0
// (row_panel_gemm_usable).
void row_panel_gemm(float* c, int64_t ldc, const float* a_panels, const float* b, int64_t ldb,
                    int64_t rows, int64_t n, int64_t k, bool accumulate = false);

// a_panels = A in panel form, from A [rows, k] (row stride lda) or, `transposed`, from
// A^T [k, rows] (row stride lda). rows % 8 == 0.
void pack_row_panels(float* a_panels, const float* a, int64_t lda, int64_t rows, int64_t k,
                     bool transposed);

// The AVX-512 kernel behind row_panel_gemm (gemm_row_panels_avx512.cpp).
void row_panel_gemm_avx512(float* c, int64_t ldc, const float* a_panels, const float* b,
                           int64_t ldb, int64_t rows, int64_t n, int64_t k, bool accumulate);

}  // namespace msq::cpu
