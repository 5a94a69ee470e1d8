// 2-D convolution on the CPU. The paths:
// - pointwise (1x1, stride 1, no padding): the image [Cin, H*W] is already the GEMM operand
//   (float32 forward and input gradient through row_panel_gemm, gemm_row_panels.h, where
//   pointwise_weight_panels() packs the weights; OpenBLAS otherwise);
// - depthwise (groups == Cin): vectorised direct kernels for float32 (conv_direct.cpp: the
//   forward, the weight gradient and the input gradient of stride-1 ones), direct loops
//   otherwise (conv_depthwise.cpp);
// - float32 forward where channel_vector_preferred(): the channel-vector kernels
//   (conv_channel_vector.cpp, vectorised over output channels);
// - float32 forward where direct_conv_preferred(), and the float32 input gradient where
//   direct_backward_input_preferred(): the direct kernels (conv_direct.cpp; strided input
//   gradients by stride phases, conv_direct_polyphase.cpp); the float32 weight gradient
//   where direct_backward_weight_preferred(): conv_direct_weight.cpp;
// - float32 gradients where whole_batch_gradients_preferred() (narrow outputs, many
//   channels): one im2col + GEMM over the whole batch (conv_whole_batch.cpp);
// - otherwise im2col + GEMM (conv_im2col.h), tiled over output rows so a tile's columns stay
//   in L2.
// - float32 3x3 stride-1 forward, input and weight gradients where winograd_preferred():
//   Winograd F(2x2, 3x3) (conv_winograd.cpp); 3x3 stride-2 padding-1 ones where
//   winograd_s2_forward_preferred() / winograd_s2_backward_preferred(): Winograd over the
//   stride phases (conv_winograd_stride2.cpp).
// Threading is described at SingleThreadedBlas (conv_common.h) and run_tasks below.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cpu/conv_common.h"
#include "kernels/cpu/conv_channel_vector.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_im2col.h"
#include "kernels/cpu/conv_whole_batch.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/gemm_row_panels.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

namespace cpu {

namespace {

// The column buffer of one tile holds about this many elements (1 MB of float: a tile's
// im2col output is still in L2 when its GEMM reads it).
constexpr int64_t kColumnBudget = int64_t(1) << 18;

int max_threads() { return omp_get_max_threads(); }

int64_t rows_per_tile(const ConvGeometry& g) {
  int64_t per_row = std::max<int64_t>(g.patch() * g.out_w, 1);
  return std::clamp<int64_t>(kColumnBudget / per_row, 1, g.out_h);
}


// y[c, i] = bias[c] for a tile y: [C, n] with row stride ld.
template <class T>
void fill_bias_tile(T* y, const T* bias, int64_t channels, int64_t n, int64_t ld) {
  for (int64_t c = 0; c < channels; ++c) std::fill(y + c * ld, y + c * ld + n, bias[c]);
}

// One unit of work: image b, group gr, output rows [oh0, oh1) (or, pointwise, output
// columns [oh0, oh1) of the flattened plane).
struct ConvTask {
  int64_t b, gr, lo, hi;
};

// Splits every (image, group) into `pieces` ranges of [0, extent) in steps of `step`.
std::vector<ConvTask> make_tasks(const ConvGeometry& g, int64_t extent, int64_t step) {
  std::vector<ConvTask> tasks;
  for (int64_t b = 0; b < g.batch; ++b) {
    for (int64_t gr = 0; gr < g.groups; ++gr) {
      for (int64_t lo = 0; lo < extent; lo += step)
        tasks.push_back({b, gr, lo, std::min(lo + step, extent)});
    }
  }
  return tasks;
}

// The tasks of a forward or weight-gradient pass: tiles of output rows (columns when
// pointwise), enough of them to keep every thread busy.
std::vector<ConvTask> tile_tasks(const ConvGeometry& g, bool pointwise) {
  if (pointwise) {
    const int64_t hw = g.out_h * g.out_w, images = g.batch * g.groups;
    const int64_t pieces = images >= max_threads() ? 1 : ceil_div(2 * max_threads(), images);
    return make_tasks(g, hw, std::max<int64_t>(ceil_div(hw, pieces), 1));
  }
  return make_tasks(g, g.out_h, rows_per_tile(g));
}

// The weights of a 1x1 convolution in the row-panel form of gemm_row_panels.h, group after
// group: w_g [Cout_g, Cin_g] (the forward's left operand) or, `transposed`, w_g^T [Cin_g,
// Cout_g] (the input gradient's), packed into a per-thread scratch buffer; null where
// row_panel_gemm cannot take that many rows here (then OpenBLAS runs).
const float* pointwise_weight_panels(const float* w, const ConvGeometry& g, bool transposed) {
  const int64_t rows = transposed ? g.in_cg : g.out_cg, k = transposed ? g.out_cg : g.in_cg;
  // Only where the GEMM's inner size is at least its row count: with more rows than that
  // (64 -> 256 channels), C is the largest operand and OpenBLAS, which writes it in larger
  // blocks, measured faster (56 x 56, batch 8: 4.7 against 5.3-6.0 ms; 256 -> 64: 5.2
  // against 4.75 for the panels).
  if (!row_panel_gemm_usable(rows) || k < rows) return nullptr;
  float* panels = scratch<float>(size_t(g.out_c * g.in_cg), 1);
  for (int64_t gr = 0; gr < g.groups; ++gr)
    pack_row_panels(panels + gr * rows * k, w + gr * g.out_cg * g.in_cg, g.in_cg, rows, k,
                    transposed);
  return panels;
}

// Runs body(t, slot, threaded) for t in [0, n). With at least as many tasks as threads:
// on OpenMP threads (slot = the thread, < task_slots(n)) with single-threaded BLAS; with
// fewer: one task after another (slot 0), each with all threads (threaded BLAS, threaded
// im2col/col2im).
int task_slots(int64_t n) { return n >= max_threads() ? max_threads() : 1; }

template <class F>
void run_tasks(int64_t n, F&& body) {
  if (task_slots(n) == 1) {
    for (int64_t t = 0; t < n; ++t) body(t, 0, true);
    return;
  }
  SingleThreadedBlas blas;
// Static scheduling: task t always runs on the same slot, in the same order, so the
  // per-slot sums (weight gradients) are the same in every run.
#pragma omp parallel for schedule(static) num_threads(task_slots(n))
  for (int64_t t = 0; t < n; ++t) body(t, omp_get_thread_num(), false);
}

// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, Cin_g, KH, KW], bias: [Cout] or null.
template <class T>
void conv_forward(T* y, const T* x, const T* w, const T* bias, const ConvGeometry& g,
                  const Conv2dParams& p) {
  const bool pointwise = is_pointwise(g, p);
  if constexpr (std::is_same_v<T, float>) {
    if (depthwise_simd_preferred(g, p)) return depthwise_forward_simd(y, x, w, bias, g, p);
    if (winograd_preferred(g, p)) return winograd_forward(y, x, w, bias, g, p);
    if (winograd_s2_forward_preferred(g, p)) return winograd_s2_forward(y, x, w, bias, g, p);
    if (!g.depthwise() && !pointwise && channel_vector_preferred(g, p))
      return channel_vector_forward(y, x, w, bias, g, p);
    if (!g.depthwise() && !pointwise && direct_conv_preferred(g, p))
      return direct_conv_forward(y, x, w, bias, g, p);
  }
  if (g.depthwise()) return depthwise_forward(y, x, w, bias, g, p);
  const int64_t k = g.patch(), out_hw = g.out_h * g.out_w, in_hw = g.h * g.w;
  const std::vector<ConvTask> tasks = tile_tasks(g, pointwise);
  const int64_t n = int64_t(tasks.size()), col_size = k * rows_per_tile(g) * g.out_w;
  const float* w_panels = nullptr;  // w_g [Cout_g, Cin_g] in row panels, group after group
  if constexpr (std::is_same_v<T, float>) {
    if (pointwise) w_panels = pointwise_weight_panels(w, g, false);
  }
  run_tasks(n, [&](int64_t t, int, bool threaded) {
    const ConvTask& task = tasks[t];
    const T* xg = x + (task.b * g.in_c + task.gr * g.in_cg) * in_hw;
    const T* wg = w + task.gr * g.out_cg * k;
    T* yg = y + (task.b * g.out_c + task.gr * g.out_cg) * out_hw;
    // The tile's columns of y_g: [Cout_g, ncols] with row stride out_hw; the bias is
    // written first and the GEMM adds onto it (beta 1) while the tile is in cache.
    const int64_t first = pointwise ? task.lo : task.lo * g.out_w;
    const int64_t ncols = pointwise ? task.hi - task.lo : (task.hi - task.lo) * g.out_w;
    T* yt = yg + first;
    if (bias) fill_bias_tile(yt, bias + task.gr * g.out_cg, g.out_cg, ncols, out_hw);
    const T beta = bias ? T(1) : T(0);
    if (pointwise) {
      // y_g[:, cols] [Cout_g, n] (+)= w_g [Cout_g, Cin_g] @ x_g[:, cols] [Cin_g, n]
      if constexpr (std::is_same_v<T, float>) {
        if (w_panels && !threaded) {
          row_panel_gemm(yt, out_hw, w_panels + task.gr * g.out_cg * k, xg + first, in_hw,
                         g.out_cg, ncols, k, bias != nullptr);
          return;
        }
      }
      gemm_rm(false, false, g.out_cg, ncols, k, T(1), wg, k, xg + first, in_hw, beta, yt, out_hw);
      return;
    }
    T* col = scratch<T>(size_t(col_size));
    im2col_rows(col, xg, g, p, task.lo, task.hi, threaded);
    // y_g[:, tile] [Cout_g, ncols] (+)= w_g [Cout_g, K] @ col [K, ncols]
    gemm_rm(false, false, g.out_cg, ncols, k, T(1), wg, k, col, ncols, beta, yt, out_hw);
  });
}

// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, Cin_g, KH, KW].
// One task per (image, group): the tiles of one image overlap in gx, so they stay serial.
template <class T>
void conv_backward_input(T* gx, const T* gy, const T* w, const ConvGeometry& g,
                         const Conv2dParams& p) {
  if constexpr (std::is_same_v<T, float>) {
    if (depthwise_backward_input_simd_preferred(g, p))
      return depthwise_backward_input_simd(gx, gy, w, g, p);
  }
  if (g.depthwise()) return depthwise_backward_input(gx, gy, w, g, p);
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_backward_input_preferred(g, p)) return winograd_backward_input(gx, gy, w, g, p);
    if (winograd_s2_backward_preferred(g, p))
      return winograd_s2_backward_input(gx, gy, w, g, p);
    if (direct_backward_input_preferred(g, p)) return direct_conv_backward_input(gx, gy, w, g, p);
    if (whole_batch_gradients_preferred(g, p)) return backward_input_whole_batch(gx, gy, w, g, p);
  }
  const int64_t k = g.patch(), out_hw = g.out_h * g.out_w, in_hw = g.h * g.w;
  const bool pointwise = is_pointwise(g, p);
  if (pointwise) {
    // gx_g[:, cols] [Cin_g, n] = w_g^T [Cin_g, Cout_g] @ gy_g[:, cols] [Cout_g, n]
    const std::vector<ConvTask> tasks = tile_tasks(g, true);
    const float* wt_panels = nullptr;  // w_g^T [Cin_g, Cout_g] in row panels, group after group
    if constexpr (std::is_same_v<T, float>) wt_panels = pointwise_weight_panels(w, g, true);
    run_tasks(int64_t(tasks.size()), [&](int64_t t, int, bool threaded) {
      const ConvTask& task = tasks[t];
      if constexpr (std::is_same_v<T, float>) {
        if (wt_panels && !threaded) {
          row_panel_gemm(gx + (task.b * g.in_c + task.gr * g.in_cg) * in_hw + task.lo, in_hw,
                         wt_panels + task.gr * g.in_cg * g.out_cg,
                         gy + (task.b * g.out_c + task.gr * g.out_cg) * out_hw + task.lo, out_hw,
                         g.in_cg, task.hi - task.lo, g.out_cg);
          return;
        }
      }
      gemm_rm(true, false, k, task.hi - task.lo, g.out_cg, T(1), w + task.gr * g.out_cg * k, k,
              gy + (task.b * g.out_c + task.gr * g.out_cg) * out_hw + task.lo, out_hw, T(0),
              gx + (task.b * g.in_c + task.gr * g.in_cg) * in_hw + task.lo, in_hw);
    });
    return;
  }
  const int64_t tile = rows_per_tile(g), col_size = k * tile * g.out_w;
  run_tasks(g.batch * g.groups, [&](int64_t t, int, bool threaded) {
    const int64_t b = t / g.groups, gr = t % g.groups;
    T* gxg = gx + (b * g.in_c + gr * g.in_cg) * in_hw;
    const T* wg = w + gr * g.out_cg * k;
    const T* gyg = gy + (b * g.out_c + gr * g.out_cg) * out_hw;
    std::fill(gxg, gxg + g.in_cg * in_hw, T(0));
    T* col = scratch<T>(size_t(col_size));
    for (int64_t oh0 = 0; oh0 < g.out_h; oh0 += tile) {
      const int64_t oh1 = std::min(oh0 + tile, g.out_h), ncols = (oh1 - oh0) * g.out_w;
      // col [K, ncols] = w_g^T [K, Cout_g] @ gy_g[:, tile] [Cout_g, ncols]
      gemm_rm(true, false, k, ncols, g.out_cg, T(1), wg, k, gyg + oh0 * g.out_w, out_hw, T(0), col,
              ncols);
      col2im_rows(gxg, col, g, p, oh0, oh1, threaded);
    }
  });
}

// gw: [Cout, Cin_g, KH, KW] (overwritten), gbias: [Cout] or null (overwritten). Each thread
// accumulates its tasks into a private copy of gw; the copies are summed at the end.
template <class T>
void conv_backward_weight(T* gw, T* gbias, const T* gy, const T* x, const ConvGeometry& g,
                          const Conv2dParams& p) {
  const int64_t out_hw = g.out_h * g.out_w;
  if (gbias) bias_grad(gbias, gy, g.batch, g.out_c, out_hw);
  if constexpr (std::is_same_v<T, float>) {
    if (depthwise_simd_preferred(g, p)) return depthwise_backward_weight_simd(gw, gy, x, g, p);
  }
  if (g.depthwise()) return depthwise_backward_weight(gw, gy, x, g, p);
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_preferred(g, p)) return winograd_backward_weight(gw, gy, x, g, p);
    if (winograd_s2_backward_preferred(g, p)) return winograd_s2_backward_weight(gw, gy, x, g, p);
    if (direct_backward_weight_preferred(g, p)) return direct_conv_backward_weight(gw, gy, x, g, p);
    if (whole_batch_gradients_preferred(g, p)) return backward_weight_whole_batch(gw, gy, x, g, p);
  }
  const int64_t k = g.patch(), in_hw = g.h * g.w, gw_size = g.out_c * k;
  const bool pointwise = is_pointwise(g, p);
  const std::vector<ConvTask> tasks = tile_tasks(g, pointwise);
  const int64_t n = int64_t(tasks.size()), col_size = k * rows_per_tile(g) * g.out_w;
  // One private accumulator per slot, kept between calls (no page faults per call).
  const int slots = task_slots(n);
  T* partial = scratch<T>(size_t(slots * gw_size), 1);
#pragma omp parallel for schedule(static) if (slots * gw_size > 32768)
  for (int64_t i = 0; i < slots * gw_size; ++i) partial[i] = T(0);
  run_tasks(n, [&](int64_t t, int slot, bool threaded) {
    const ConvTask& task = tasks[t];
    const T* xg = x + (task.b * g.in_c + task.gr * g.in_cg) * in_hw;
    const T* gyg = gy + (task.b * g.out_c + task.gr * g.out_cg) * out_hw;
    T* gwg = partial + slot * gw_size + task.gr * g.out_cg * k;
    if (pointwise) {
      // gw_g [Cout_g, Cin_g] += gy_g[:, cols] [Cout_g, n] @ x_g[:, cols]^T [n, Cin_g]
      gemm_rm(false, true, g.out_cg, k, task.hi - task.lo, T(1), gyg + task.lo, out_hw,
              xg + task.lo, in_hw, T(1), gwg, k);
      return;
    }
    T* col = scratch<T>(size_t(col_size));
    const int64_t ncols = (task.hi - task.lo) * g.out_w;
    im2col_rows(col, xg, g, p, task.lo, task.hi, threaded);
    // gw_g [Cout_g, K] += gy_g[:, tile] [Cout_g, ncols] @ col^T [ncols, K]
    gemm_rm(false, true, g.out_cg, k, ncols, T(1), gyg + task.lo * g.out_w, out_hw, col, ncols,
            T(1), gwg, k);
  });
#pragma omp parallel for schedule(static) if (gw_size > 32768)
  for (int64_t i = 0; i < gw_size; ++i) {
    T s = 0;
    for (int sl = 0; sl < slots; ++sl) s += partial[sl * gw_size + i];
    gw[i] = s;
  }
}

}  // namespace

template <class T>
void bias_grad(T* gbias, const T* gy, int64_t batch, int64_t channels, int64_t hw) {
#pragma omp parallel for schedule(static) if (batch * channels * hw > 32768)
  for (int64_t c = 0; c < channels; ++c) {
    double acc = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const T* row = gy + (b * channels + c) * hw;
      T s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < hw; ++i) s += row[i];
      acc += s;
    }
    gbias[c] = static_cast<T>(acc);
  }
}
template void bias_grad(float*, const float*, int64_t, int64_t, int64_t);
template void bias_grad(double*, const double*, int64_t, int64_t, int64_t);

}  // namespace cpu

namespace {

void check_conv_views(const char* op, std::initializer_list<const StridedView*> views) {
  for (const StridedView* v : views) {
    check(v->data == nullptr || v->is_contiguous(), op, "CPU kernel expects contiguous views");
  }
}

}  // namespace

void CpuBackend::conv2d_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                                const StridedView& bias, const Conv2dParams& p) {
  check_conv_views("conv2d", {&y, &x, &w, &bias});
  cpu::ConvGeometry g(x, w, y, p);
  cpu::dispatch_floating_types(x.dtype, "conv2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::conv_forward(y.ptr<T>(), x.ptr<T>(), w.ptr<T>(), bias.ptr<T>(), g, p);
  });
}

void CpuBackend::conv2d_backward_input(const StridedView& gx, const StridedView& gy,
                                       const StridedView& w, const Conv2dParams& p) {
  check_conv_views("conv2d_backward", {&gx, &gy, &w});
  cpu::ConvGeometry g(gx, w, gy, p);
  cpu::dispatch_floating_types(gx.dtype, "conv2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::conv_backward_input(gx.ptr<T>(), gy.ptr<T>(), w.ptr<T>(), g, p);
  });
}

void CpuBackend::conv2d_backward_weight(const StridedView& gw, const StridedView& gbias,
                                        const StridedView& gy, const StridedView& x,
                                        const Conv2dParams& p) {
  check_conv_views("conv2d_backward", {&gw, &gbias, &gy, &x});
  cpu::ConvGeometry g(x, gw, gy, p);
  cpu::dispatch_floating_types(x.dtype, "conv2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::conv_backward_weight(gw.ptr<T>(), gbias.ptr<T>(), gy.ptr<T>(), x.ptr<T>(), g, p);
  });
}

}  // namespace msq
