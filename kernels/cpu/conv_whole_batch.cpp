// The whole-batch gradients (conv_whole_batch.h): one im2col and one GEMM per gradient for
// all the images, the GEMM's rows split between the threads.
#include "kernels/cpu/conv_whole_batch.h"

#include <omp.h>

#include <algorithm>
#include <vector>

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

// One image's im2col and its adjoint through a zero-padded copy of each channel's plane (a
// few KB, in L1): no bounds checks per output row, unlike im2col_rows (conv_im2col.h), whose
// per-row set-up outweighs rows of 7. col: [(c * kh + i) * kw + j][positions] (row stride ld).
class PaddedPlane {
 public:
  PaddedPlane(const ConvGeometry& g, const Conv2dParams& p)
      : g_(g), p_(p), hp_(g.h + 2 * p.pad_h), wp_(g.w + 2 * p.pad_w) {
    plane_.assign(size_t(hp_ * wp_), 0.0f);
  }

  // col rows of channel c from x_c: [H, W] (the border stays zero).
  void im2col(float* col, int64_t ld, const float* xc) {
    for (int64_t h = 0; h < g_.h; ++h)
      std::copy_n(xc + h * g_.w, g_.w, interior() + h * wp_);
    for_each_tap(col, ld, [](float& o, float& v) { o = v; });
  }

  // gx_c: [H, W] (overwritten) = the sum of channel c's col rows at their positions.
  void col2im(float* gxc, float* col, int64_t ld) {
    std::fill(plane_.begin(), plane_.end(), 0.0f);
    for_each_tap(col, ld, [](float& o, float& v) { v += o; });
    for (int64_t h = 0; h < g_.h; ++h)
      std::copy_n(interior() + h * wp_, g_.w, gxc + h * g_.w);
  }

 private:
  float* interior() { return plane_.data() + p_.pad_h * wp_ + p_.pad_w; }

  // f(col element, plane element) for every tap (i, j) and output position.
  template <class F>
  void for_each_tap(float* col, int64_t ld, F f) {
    const int64_t sh = p_.stride_h, sw = p_.stride_w;
    for (int64_t i = 0; i < g_.kh; ++i)
      for (int64_t j = 0; j < g_.kw; ++j) {
        float* o = col + (i * g_.kw + j) * ld;
        float* base = plane_.data() + i * p_.dilation_h * wp_ + j * p_.dilation_w;
        for (int64_t oh = 0; oh < g_.out_h; ++oh)
          for (int64_t ow = 0; ow < g_.out_w; ++ow)
            f(o[oh * g_.out_w + ow], base[oh * sh * wp_ + ow * sw]);
      }
  }

  const ConvGeometry& g_;
  const Conv2dParams& p_;
  int64_t hp_, wp_;
  std::vector<float> plane_;
};

// f(plane, image, channel) for every (image, input channel), each thread with its own
// PaddedPlane.
template <class F>
void for_each_plane(const ConvGeometry& g, const Conv2dParams& p, F f) {
#pragma omp parallel
  {
    PaddedPlane plane(g, p);
#pragma omp for schedule(static)
    for (int64_t bc = 0; bc < g.batch * g.in_c; ++bc) f(plane, bc / g.in_c, bc % g.in_c);
  }
}

// The batch's GEMM operands in the calling thread's scratch: col [K][n] (written by the
// caller) and gy_all [Cout][n], filled from gy (n = B * Ho * Wo).
struct BatchColumns {
  float* col;
  float* gy_all;
  int64_t n;
  // The first col row of channel c, at image `image`'s positions.
  float* col_of(const ConvGeometry& g, int64_t image, int64_t c) const {
    return col + c * g.kh * g.kw * n + image * g.out_h * g.out_w;
  }
};

BatchColumns batch_columns(const float* gy, const ConvGeometry& g) {
  const int64_t n = g.batch * g.out_h * g.out_w;
  float* col = scratch<float>(size_t((g.patch() + g.out_c) * n));
  BatchColumns b{col, col + g.patch() * n, n};
  gather_batch_columns(b.gy_all, gy, g);
  return b;
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
  const BatchColumns b = batch_columns(gy, g);
  const int64_t k = g.patch(), n = b.n;
  // col[rows] [m, n] = w^T[rows] [m, Cout] @ gy_all [Cout, n]
  split_rows_between_threads(k, [&](int64_t r0, int64_t r1) {
    gemm_rm(true, false, r1 - r0, n, g.out_c, 1.0f, w + r0, k, b.gy_all, n, 0.0f, b.col + r0 * n,
            n);
  });
  for_each_plane(g, p, [&](PaddedPlane& plane, int64_t image, int64_t c) {
    plane.col2im(gx + (image * g.in_c + c) * g.h * g.w, b.col_of(g, image, c), n);
  });
}

// gw: [Cout, Cin, KH, KW] (overwritten), gy: [B, Cout, Ho, Wo], x: [B, Cin, H, W].
void backward_weight_whole_batch(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                                 const Conv2dParams& p) {
  const BatchColumns b = batch_columns(gy, g);
  const int64_t k = g.patch(), n = b.n;
  for_each_plane(g, p, [&](PaddedPlane& plane, int64_t image, int64_t c) {
    plane.im2col(b.col_of(g, image, c), n, x + (image * g.in_c + c) * g.h * g.w);
  });
  // gw[:, cols] [Cout, m] = gy_all [Cout, n] @ col[cols]^T [n, m]: gw's columns split.
  split_rows_between_threads(k, [&](int64_t c0, int64_t c1) {
    gemm_rm(false, true, g.out_c, c1 - c0, n, 1.0f, b.gy_all, n, b.col + c0 * n, n, 0.0f, gw + c0,
            k);
  });
}

}  // namespace msq::cpu
