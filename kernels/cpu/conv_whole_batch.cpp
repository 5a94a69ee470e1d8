// The whole-batch gradients (conv_whole_batch.h): one im2col and one GEMM per gradient for
// all the images, the GEMM's rows split between the threads.
#include "kernels/cpu/conv_whole_batch.h"

#include <omp.h>

#include <algorithm>

#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_im2col.h"

namespace msq::cpu {

namespace {

// Where the per-image GEMMs' inner size (the positions of one image) is this small or less;
// and the batch's im2col no larger than this (64 MB).
constexpr int64_t kWholeBatchPositions = 256;
constexpr int64_t kWholeBatchColumnFloats = int64_t(1) << 24;  // 64 MB

// gy_all [Cout][B * Ho * Wo] from gy [B, Cout, Ho, Wo]: every image's positions side by side.
void gather_batch_columns(float* gy_all, const float* gy, const ConvGeometry& g) {
  const int64_t out_hw = g.out_h * g.out_w, n = g.batch * out_hw;
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < g.out_c; ++o)
    for (int64_t b = 0; b < g.batch; ++b)
      std::copy_n(gy + (b * g.out_c + o) * out_hw, out_hw, gy_all + o * n + b * out_hw);
}

// Row ranges [r0, r1) of a GEMM's output with `rows` rows, one per thread, in multiples of 16.
template <class F>
void split_rows_between_threads(int64_t rows, F&& body) {
  const int64_t threads = omp_get_max_threads(), per = ceil_div(ceil_div(rows, threads), 16) * 16;
  SingleThreadedBlas blas;  // one GEMM per OpenMP thread (see SingleThreadedBlas)
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < threads; ++t) {
    const int64_t r0 = t * per, r1 = std::min(rows, r0 + per);
    if (r0 < r1) body(r0, r1);
  }
}

}  // namespace

bool whole_batch_gradients_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  if (forced_conv_algorithm() == ConvAlgorithm::fallback) return false;
  const int64_t positions = g.out_h * g.out_w;
  return g.groups == 1 && !is_pointwise(g, p) && positions <= kWholeBatchPositions &&
         g.patch() * g.batch * positions <= kWholeBatchColumnFloats;
}

// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, Cin, KH, KW].
void backward_input_whole_batch(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p) {
  const int64_t k = g.patch(), out_hw = g.out_h * g.out_w, n = g.batch * out_hw;
  float* col = scratch<float>(size_t((k + g.out_c) * n));  // col [K][B * Ho * Wo]
  float* gy_all = col + k * n;                              // gy_all [Cout][B * Ho * Wo]
  gather_batch_columns(gy_all, gy, g);
  // col[rows] [m, n] = w^T[rows] [m, Cout] @ gy_all [Cout, n]
  split_rows_between_threads(k, [&](int64_t r0, int64_t r1) {
    gemm_rm(true, false, r1 - r0, n, g.out_c, 1.0f, w + r0, k, gy_all, n, 0.0f, col + r0 * n, n);
  });
  const int64_t in_image = g.in_c * g.h * g.w;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.batch; ++b) {
    std::fill(gx + b * in_image, gx + (b + 1) * in_image, 0.0f);
    col2im_rows(gx + b * in_image, col + b * out_hw, n, g, p, 0, g.out_h, false);
  }
}

// gw: [Cout, Cin, KH, KW] (overwritten), gy: [B, Cout, Ho, Wo], x: [B, Cin, H, W].
void backward_weight_whole_batch(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                                 const Conv2dParams& p) {
  const int64_t k = g.patch(), out_hw = g.out_h * g.out_w, n = g.batch * out_hw;
  float* col = scratch<float>(size_t((k + g.out_c) * n));  // col [K][B * Ho * Wo]
  float* gy_all = col + k * n;                              // gy_all [Cout][B * Ho * Wo]
  gather_batch_columns(gy_all, gy, g);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.batch; ++b)
    im2col_rows(col + b * out_hw, n, x + b * g.in_c * g.h * g.w, g, p, 0, g.out_h, false);
  // gw[:, cols] [Cout, m] = gy_all [Cout, n] @ col[cols]^T [n, m]: gw's columns split.
  split_rows_between_threads(k, [&](int64_t c0, int64_t c1) {
    gemm_rm(false, true, g.out_c, c1 - c0, n, 1.0f, gy_all, n, col + c0 * n, n, 0.0f, gw + c0, k);
  });
}

}  // namespace msq::cpu
