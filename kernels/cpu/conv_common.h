// Pieces shared by the CPU convolution files: a row-major GEMM over CBLAS for float and
// double, the output size of a convolution, a growable per-thread scratch buffer, and the
// split of output rows into bands that the direct kernels share.
#pragma once
#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/conv_params.h"
#include "kernels/strided_view.h"

namespace msq::cpu {

// C[M, N] = alpha * op(A) @ op(B) + beta * C, row-major, leading dims given.
inline void gemm_rm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                    const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                    int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void gemm_rm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                    const double* a, int64_t lda, const double* b, int64_t ldb, double beta,
                    double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Threading: OpenMP threads take whole tasks (an image's group, or a tile of it) and call
// single-threaded BLAS inside, so no two thread pools fight over the cores (OpenBLAS's
// workers and libgomp's both spin while waiting). Only when there are fewer tasks than
// threads does one GEMM at a time get all the threads (the "wide" path).
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() : previous_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~SingleThreadedBlas() { openblas_set_num_threads(previous_); }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_;
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bands of output rows for the direct kernels, whose tasks are (image, group, band):
// `fit` rows per band (what the caller's cache budget allows, clamped to [1, out_h]),
// fewer where that would leave a thread with no task.
struct RowBands {
  int64_t rows;   // output rows per band (the last band may have fewer)
  int64_t count;  // bands per image
};
inline RowBands split_output_rows(int64_t out_h, int64_t fit, int64_t images, int64_t threads) {
  int64_t rows = std::clamp<int64_t>(fit, 1, out_h);
  if (images * ceil_div(out_h, rows) < 2 * threads && images < threads)
    rows = std::max<int64_t>(1, out_h / ceil_div(2 * threads, images));
  return {rows, ceil_div(out_h, rows)};
}

// The geometry of one convolution, read from its views: x [B, Cin, H, W],
// w [Cout, Cin / groups, KH, KW], y [B, Cout, Ho, Wo].
struct ConvGeometry {
  int64_t batch, in_c, h, w, out_c, kh, kw, out_h, out_w, groups;
  int64_t in_cg, out_cg;  // channels per group
  ConvGeometry(const StridedView& x, const StridedView& wt, const StridedView& y,
               const Conv2dParams& p)
      : batch(x.shape[0]),
        in_c(x.shape[1]),
        h(x.shape[2]),
        w(x.shape[3]),
        out_c(wt.shape[0]),
        kh(wt.shape[2]),
        kw(wt.shape[3]),
        out_h(y.shape[2]),
        out_w(y.shape[3]),
        groups(p.groups),
        in_cg(x.shape[1] / p.groups),
        out_cg(wt.shape[0] / p.groups) {}
  int64_t patch() const { return in_cg * kh * kw; }  // the GEMM's K
  bool depthwise() const { return groups > 1 && in_cg == 1; }
};

// A reusable scratch buffer of at least n elements of T, one per thread and type; it only
// grows, so repeated convolutions of one size allocate once.
template <class T>
T* scratch(size_t n, int slot = 0) {
  thread_local std::vector<T> buffers[2];
  std::vector<T>& b = buffers[slot];
  if (b.size() < n) b.resize(n);
  return b.data();
}

}  // namespace msq::cpu

namespace msq::cpu {

// The output positions o in [lo, hi) for which o * stride + offset lies in [0, size).
inline void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t out_size, int64_t& lo,
                        int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = (size - 1 - offset) < 0 ? 0 : (size - 1 - offset) / stride + 1;
  if (lo > out_size) lo = out_size;
  if (hi > out_size) hi = out_size;
  if (hi < lo) hi = lo;
}

// Direct depthwise kernels (conv_depthwise.cpp), for groups == Cin (any channel multiplier).
template <class T>
void depthwise_forward(T* y, const T* x, const T* w, const T* bias, const ConvGeometry& g,
                       const Conv2dParams& p);
template <class T>
void depthwise_backward_input(T* gx, const T* gy, const T* w, const ConvGeometry& g,
                              const Conv2dParams& p);
template <class T>
void depthwise_backward_weight(T* gw, const T* gy, const T* x, const ConvGeometry& g,
                               const Conv2dParams& p);

// gbias[c] = sum of gy over batch and positions; gy: [B, C, HW].
template <class T>
void bias_grad(T* gbias, const T* gy, int64_t batch, int64_t channels, int64_t hw);

}  // namespace msq::cpu
