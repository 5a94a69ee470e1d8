// Matrix products on the CPU through CBLAS (OpenBLAS).
#include <cblas.h>

#include "engine/core/error.h"
#include "kernels/cpu/cpu_backend.h"

namespace msq {

namespace {

// How BLAS should read one [rows, cols] matrix with strides (rs, cs).
struct BlasOperand {
  CBLAS_TRANSPOSE trans;
  int64_t ld;
};

BlasOperand blas_operand(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if (cs == 1 && (rs >= cols || rows == 1)) return {CblasNoTrans, std::max<int64_t>(rs, std::max<int64_t>(cols, 1))};
  if (rs == 1 && (cs >= rows || cols == 1)) return {CblasTrans, std::max<int64_t>(cs, std::max<int64_t>(rows, 1))};
  fail("gemm", "operand [", rows, ", ", cols, "] with strides [", rs, ", ", cs,
       "] has no unit stride; make it contiguous first");
}

}  // namespace

// c: [batch, M, N] (row stride >= N, col stride 1), a: [batch, M, K], b: [batch, K, N]
// (each with one unit matrix stride; batch stride may be 0).
void CpuBackend::gemm(const StridedView& c, const StridedView& a, const StridedView& b,
                      double alpha, double beta) {
  check(c.ndim == 3 && a.ndim == 3 && b.ndim == 3, "gemm", "expects 3-d views");
  int64_t batch = c.shape[0], m = c.shape[1], n = c.shape[2], k = a.shape[2];
  check(c.strides[2] == 1 || n == 1, "gemm", "output must have unit column stride");
  BlasOperand oa = blas_operand(m, k, a.strides[1], a.strides[2]);
  BlasOperand ob = blas_operand(k, n, b.strides[1], b.strides[2]);
  int64_t ldc = std::max<int64_t>(c.strides[1], std::max<int64_t>(n, 1));
  for (int64_t i = 0; i < batch; ++i) {
    if (c.dtype == DType::Float32) {
      cblas_sgemm(CblasRowMajor, oa.trans, ob.trans, m, n, k, static_cast<float>(alpha),
                  a.ptr<float>() + i * a.strides[0], oa.ld, b.ptr<float>() + i * b.strides[0], ob.ld,
                  static_cast<float>(beta), c.ptr<float>() + i * c.strides[0], ldc);
    } else if (c.dtype == DType::Float64) {
      cblas_dgemm(CblasRowMajor, oa.trans, ob.trans, m, n, k, alpha,
                  a.ptr<double>() + i * a.strides[0], oa.ld, b.ptr<double>() + i * b.strides[0],
                  ob.ld, beta, c.ptr<double>() + i * c.strides[0], ldc);
    } else {
      fail("gemm", "expects float32 or float64, got ", dtype_name(c.dtype));
    }
  }
}

}  // namespace msq
