// Matrix products on the GPU. cuBLAS is column-major; a row-major C = A @ B is computed as
// the column-major C^T = B^T @ A^T, which reads the same memory: the operands swap places
// and each keeps its own "transposed or not" flag. One strided-batched call covers every
// batch (a batch stride of 0 broadcasts an operand). Without cuBLAS on the machine
// (cublas_loader.h) a shared-memory tiled kernel computes the same product, slower.
// In bf16 mode (engine/core/precision.h) a float32 product rounds both operands to bf16
// (each operand's whole strided span, so its strides still hold) and calls
// cublasGemmStridedBatchedEx with an fp32 output and fp32 accumulation.
#include <algorithm>
#include <climits>

#include "engine/core/error.h"
#include "engine/core/precision.h"
#include "kernels/cuda/bf16_cast.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cublas_loader.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

// How cuBLAS should read one row-major [rows, cols] matrix with strides (rs, cs).
struct Operand {
  cublasOperation_t op;  // for the column-major call
  int64_t ld;
};

Operand gemm_operand(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if (cs == 1 && (rs >= cols || rows == 1)) return {CUBLAS_OP_N, std::max<int64_t>(rs, std::max<int64_t>(cols, 1))};
  if (rs == 1 && (cs >= rows || cols == 1)) return {CUBLAS_OP_T, std::max<int64_t>(cs, std::max<int64_t>(rows, 1))};
  fail("gemm", "operand [", rows, ", ", cols, "] with strides [", rs, ", ", cs,
       "] has no unit stride; make it contiguous first");
}

int to_int(int64_t v, const char* what) {
  check(v >= 0 && v <= INT_MAX, "gemm", what, " = ", v, " exceeds cuBLAS's 32-bit range");
  return static_cast<int>(v);
}

constexpr int kTile = 16;

// c: [batch, m, n] (row stride ldc, unit column stride); a: [batch, m, k] and b: [batch, k, n]
// with any strides. Block (16, 16) computes one 16 x 16 tile of C; grid (n/16, m/16, batch).
template <class T>
__global__ void gemm_tiled_kernel(T* c, const T* a, const T* b, int64_t m, int64_t n, int64_t k,
                                  int64_t c_bs, int64_t ldc, int64_t a_bs, int64_t a_rs,
                                  int64_t a_cs, int64_t b_bs, int64_t b_rs, int64_t b_cs, T alpha,
                                  T beta) {
  __shared__ T as[kTile][kTile + 1];
  __shared__ T bs[kTile][kTile + 1];
  int64_t batch = blockIdx.z;
  int64_t row = blockIdx.y * static_cast<int64_t>(kTile) + threadIdx.y;
  int64_t col = blockIdx.x * static_cast<int64_t>(kTile) + threadIdx.x;
  const T* ab = a + batch * a_bs;
  const T* bb = b + batch * b_bs;
  T acc = 0;
  for (int64_t k0 = 0; k0 < k; k0 += kTile) {
    int64_t ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
    as[threadIdx.y][threadIdx.x] = row < m && ka < k ? ab[row * a_rs + ka * a_cs] : T(0);
    bs[threadIdx.y][threadIdx.x] = kb < k && col < n ? bb[kb * b_rs + col * b_cs] : T(0);
    __syncthreads();
    for (int j = 0; j < kTile; ++j) acc += as[threadIdx.y][j] * bs[j][threadIdx.x];
    __syncthreads();
  }
  if (row < m && col < n) {
    T* out = c + batch * c_bs + row * ldc + col;
    *out = beta == T(0) ? alpha * acc : alpha * acc + beta * *out;  // beta 0: C is not read
  }
}

template <class T>
void gemm_fallback(const StridedView& c, const StridedView& a, const StridedView& b, int64_t ldc,
                   double alpha, double beta) {
  int64_t batch = c.shape[0], m = c.shape[1], n = c.shape[2], k = a.shape[2];
  check(batch <= 65535, "gemm", "batch ", batch, " too large for the fallback kernel");
  dim3 block(kTile, kTile);
  dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((m + kTile - 1) / kTile),
            static_cast<unsigned>(batch));
  check(grid.y <= 65535, "gemm", "too many rows (", m, ") for the fallback kernel");
  gemm_tiled_kernel<T><<<grid, block, 0, cuda::compute_stream()>>>(c.ptr<T>(), a.ptr<T>(), b.ptr<T>(), m, n, k, c.strides[0],
                                        ldc, a.strides[0], a.strides[1], a.strides[2], b.strides[0],
                                        b.strides[1], b.strides[2], static_cast<T>(alpha),
                                        static_cast<T>(beta));
  MSQ_CUDA_CHECK(cuda::launch_status());
}

// The elements from a 3-d view's first to its last (strides >= 0): what a bf16 copy must
// hold for the copy to be read with the view's own strides.
int64_t span_of(const StridedView& v) {
  int64_t last = 0;
  for (int d = 0; d < 3; ++d) last += (v.shape[d] - 1) * v.strides[d];
  return last + 1;
}

}  // namespace

// c: [batch, M, N] (row stride >= N, col stride 1), a: [batch, M, K], b: [batch, K, N]
// (each with one unit matrix stride; batch stride may be 0).
void CudaBackend::gemm(const StridedView& c, const StridedView& a, const StridedView& b,
                       double alpha, double beta) {
  check(c.ndim == 3 && a.ndim == 3 && b.ndim == 3, "gemm", "expects 3-d views");
  check(c.dtype == a.dtype && c.dtype == b.dtype, "gemm", "operands differ in dtype");
  check(c.dtype == DType::Float32 || c.dtype == DType::Float64, "gemm",
        "expects float32 or float64, got ", dtype_name(c.dtype));
  int64_t batch = c.shape[0], m = c.shape[1], n = c.shape[2], k = a.shape[2];
  if (batch == 0 || m == 0 || n == 0) return;
  check(c.strides[2] == 1 || n == 1, "gemm", "output must have unit column stride");
  int64_t ldc = std::max<int64_t>(c.strides[1], std::max<int64_t>(n, 1));
  Operand oa = gemm_operand(m, k, a.strides[1], a.strides[2]);
  Operand ob = gemm_operand(k, n, b.strides[1], b.strides[2]);
  const cuda::Cublas* api = cuda::cublas();
  if (!api) {
    if (c.dtype == DType::Float32) gemm_fallback<float>(c, a, b, ldc, alpha, beta);
    else gemm_fallback<double>(c, a, b, ldc, alpha, beta);
    return;
  }
  // Column-major: C^T [n, m] = op(B)^T [n, k] @ op(A)^T [k, m].
  int cm = to_int(n, "N"), cn = to_int(m, "M"), ck = to_int(k, "K");
  int lda = to_int(oa.ld, "lda"), ldb = to_int(ob.ld, "ldb"), ldcc = to_int(ldc, "ldc");
  int count = to_int(batch, "batch");
  // The handle follows the calling thread's compute stream (a graph capture's stream).
  MSQ_CUDA_CHECK(api->set_stream(api->handle, cuda::compute_stream()));
  if (c.dtype == DType::Float32 && cuda_bf16() && api->gemm_strided_batched_ex && k > 0) {
    check(a.strides[0] >= 0 && b.strides[0] >= 0, "gemm", "negative batch stride");
    cuda::Bf16Buffer a16(a.ptr<float>(), span_of(a)), b16(b.ptr<float>(), span_of(b));
    float al = static_cast<float>(alpha), be = static_cast<float>(beta);
    MSQ_CUDA_CHECK(api->gemm_strided_batched_ex(
        api->handle, ob.op, oa.op, cm, cn, ck, &al, b16.data(), CUDA_R_16BF, ldb, b.strides[0],
        a16.data(), CUDA_R_16BF, lda, a.strides[0], &be, c.ptr<float>(), CUDA_R_32F, ldcc,
        c.strides[0], count, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  } else if (c.dtype == DType::Float32) {
    float al = static_cast<float>(alpha), be = static_cast<float>(beta);
    MSQ_CUDA_CHECK(api->sgemm_strided_batched(api->handle, ob.op, oa.op, cm, cn, ck, &al,
                                                b.ptr<float>(), ldb, b.strides[0], a.ptr<float>(),
                                                lda, a.strides[0], &be, c.ptr<float>(), ldcc,
                                                c.strides[0], count));
  } else {
    MSQ_CUDA_CHECK(api->dgemm_strided_batched(api->handle, ob.op, oa.op, cm, cn, ck, &alpha,
                                                b.ptr<double>(), ldb, b.strides[0], a.ptr<double>(),
                                                lda, a.strides[0], &beta, c.ptr<double>(), ldcc,
                                                c.strides[0], count));
  }
}

}  // namespace msq
