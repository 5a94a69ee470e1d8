// The chunk loop of the Winograd forwards (conv_winograd.cpp; any variant with 2x2 output
// tiles and `points` transformed points per tile): tiles of 2x2 outputs in chunks of whole tile
// rows counted over the batch (image b's tile row r is row b * tile_rows + r); per chunk an
// input transform to V [points][Cin][n], one GEMM per point M_k [Cout, n] = U_k [Cout, Cin]
// @ V_k [Cin, n] (U_k whole, or made 8 output channels at a time), and an output transform
// of M.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cpu/conv_common.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/gemm_row_panels.h"

namespace msq::cpu {

// A chunk's transformed input and GEMM output ([points][Cin][n] and [points][Cout][n] floats) are
// sized to about this many floats together (512 KB: half of a Zen 4 core's L2)...
constexpr int64_t kChunkBudget = int64_t(1) << 17;
// ... but hold at least this many tiles, so each U_k read by a GEMM serves enough columns
// (the 16 U_k of 512 channels are 16 MB: they come from L3 or memory once per chunk).
// Measured (one thread, CPU time, 8 images, ms for 64 @ 56 / 128 @ 28 / 256 @ 14 / 512 @ 7):
// at least 32 tiles 13.2 / 11.3 / 14.4 / 21.9, 64: 12.2 / 12.9 / 12.7 / 19.4, 128: 11.7 /
// 12.4 / 12.4 / 17.0, 256: 12.9 / 11.3 / 14.2 / 17.5; budgets of 256 KB and 1 MB about alike.
// Two threads, whole backward (4 alternating rounds): 192 against 128 took 11.3-11.9 against
// 11.8-12.5 ms at 128 @ 28, 13.2-14.0 against 14.0-14.6 at 256 @ 14, 19.2-21.2 against
// 20.5-21.7 at 3x3 s2 128 @ 56; the forwards alike. (Fewer, larger chunks also leave the
// GEMMs fewer partial 32-column tiles: the stride-2 input gradient at 256 @ 28 has 2 chunks of
// 196 tiles instead of 4 of 98.)
constexpr int64_t kMinChunkTiles = 192;
// Streamed weight panels (WinogradWeights::panel) are made this many at a time, so that the
// GEMMs read each block of V once per group rather than once per panel.
constexpr int64_t kStreamedPanels = 2;

// The stride, in floats, between the per-point planes of V, M, U and the weight gradient's W
// (each a matrix of `floats` floats): rounded up to 16 floats, plus 16. Without the pad, a
// 512-channel layer's planes (512 x 128 tiles, 512 x 512) would all start at one offset
// modulo 4 KB, and the transforms' 16 streams (one per point) would compete for the same few
// L1 sets: the input transform of a 512-channel 7x7 layer took 1.4 ms on one thread and did
// not get faster on two.
inline int64_t plane_stride(int64_t floats) { return ceil_div(floats, 16) * 16 + 16; }

// The convolution a Winograd kernel computes: x: [batch, in_c, h, w] -> y: [batch, out_c,
// out_h, out_w], 3x3, padding pad_h, pad_w (the stride is the kernel's), in 2x2 output tiles.
struct WinogradShape {
  int64_t batch, in_c, h, w, out_c, out_h, out_w, pad_h, pad_w;
  int64_t tiles_h() const { return ceil_div(out_h, 2); }
  int64_t tiles_w() const { return ceil_div(out_w, 2); }
};

// The two gy rows under tile row tr of one channel's plane go: [out_h, out_w] (rows 2 tr and
// 2 tr + 1, zeros past out_h), split into even and odd columns: rows = [e0 | o0 | e1 | o1],
// each s.tiles_w() long (zeros past out_w). For the weight gradients' transforms of gy.
inline void split_grad_output_rows(float* rows, const float* go, const WinogradShape& s,
                                   int64_t tr) {
  const int64_t tw = s.tiles_w();
  split_column_phases(rows, tw, go + 2 * tr * s.out_w, s.out_w, 2, 0, tw);
  if (2 * tr + 1 < s.out_h)
    split_column_phases(rows + 2 * tw, tw, go + (2 * tr + 1) * s.out_w, s.out_w, 2, 0, tw);
  else std::fill(rows + 2 * tw, rows + 4 * tw, 0.0f);
}

// The calling thread's buffer for one tile row's outputs, [y00 | y01 | y10 | y11] (each tw
// floats: the row pair's even and odd columns), as write_output_tile_row reads it.
inline float* tile_row_buffer(int64_t tw) {
  thread_local std::vector<float> out;
  out.resize(size_t(4 * tw));
  return out.data();
}

// The inverse for the forwards' outputs: writes tile row tr of one channel's plane yo:
// [out_h, out_w] from out = [y00 | y01 | y10 | y11] (each s.tiles_w() long: the tile row's
// two output rows, even and odd columns apart), rows past out_h and columns past out_w left
// out.
inline void write_output_tile_row(float* yo, const float* out, const WinogradShape& s,
                                  int64_t tr) {
  const int64_t tw = s.tiles_w();
  merge_column_phases(yo + 2 * tr * s.out_w, s.out_w, out, out + tw);
  if (2 * tr + 1 < s.out_h)
    merge_column_phases(yo + (2 * tr + 1) * s.out_w, s.out_w, out + 2 * tw, out + 3 * tw);
}

// Winograd kernels apply (automatically) from this many input and output channels up: below
// it the GEMMs are thin and the transforms dominate (the 3-channel first layer stays on the
// direct kernel).
constexpr int64_t kWinogradMinChannels = 16;

// How the tiles are cut into chunks: `chunks` chunks of about chunk_rows tile rows (at most
// max_n tiles each); `wide` where there are fewer chunks than threads, which then share each
// chunk's channels and GEMMs.
struct WinogradChunks {
  int64_t rows, chunks, max_n;
  bool wide;
};

inline WinogradChunks plan_winograd_chunks(const WinogradShape& s, int64_t points) {
  const int64_t tw = s.tiles_w(), rows = s.batch * s.tiles_h();
  const int64_t threads = omp_get_max_threads();
  const int64_t fit = kChunkBudget / (points * (s.in_c + s.out_c) * tw);
  const int64_t chunk_rows =
      std::clamp<int64_t>(std::max(fit, ceil_div(kMinChunkTiles, tw)), 1, rows);
  int64_t chunks = ceil_div(rows, chunk_rows);
  // A whole number of chunks per thread (chunks of rows / chunks or one more row).
  if (chunks > threads) chunks = std::min(ceil_div(chunks, threads) * threads, rows);
  return {rows, chunks, ceil_div(rows, chunks) * tw, chunks < threads};
}

// The transformed weights U_k [out_c, in_c], k < points, as the GEMMs take them: either all
// of them in u ([points][out_c][in_c], planes plane_stride(out_c * in_c) apart, each U_k in
// row panels where `panels`), or, where
// `panel` is set (row panels, one chunk: every tile in it, as in a 512-channel layer on 7x7
// images), made panel by panel as the GEMMs need them: panel(dst, k_stride, first) writes
// the row panel of output channels [first, first + 8) of U_k at dst + k * k_stride ([in_c][8])
// for every k. The 16 MB of a 512-channel layer's U_k then never leave the core's cache.
struct WinogradWeights {
  const float* u = nullptr;
  bool panels = false;
  std::function<void(float* dst, int64_t k_stride, int64_t first)> panel;
};

// Whether a layer's weights go panel by panel (WinogradWeights::panel) under this plan.
inline bool streams_weight_panels(const WinogradChunks& plan, bool panels) {
  return panels && plan.chunks == 1;
}

// Runs every chunk: input(v, plane, row0, row1, n, c) writes channel c of V (planes `plane`
// floats apart) for tile rows [row0, row1) (n tiles), output(m, plane, row0, row1, n, o)
// writes output channel o from M; the planes of u (or of a group of streamed panels) are
// plane_stride() of their size apart. With
// at least as many chunks as threads, each thread takes whole chunks; with fewer (small
// images, or channels so many that one chunk takes every tile), the threads share each
// chunk's channels and its GEMMs. The GEMMs are single-threaded either way: row_panel_gemm
// where weights.panels (gemm_row_panels.h), else OpenBLAS.
template <class Input, class Output>
void run_winograd_chunks(const WinogradShape& s, int64_t points, const WinogradChunks& plan,
                         const WinogradWeights& weights, Input input, Output output) {
  const int64_t tw = s.tiles_w(), rows = plan.rows, chunks = plan.chunks, max_n = plan.max_n;
  const bool wide = plan.wide;
  check(!weights.panel || chunks == 1, "winograd", "weight panels need a single chunk, got ",
        chunks);
  SingleThreadedBlas blas;
  const int64_t u_plane = plane_stride(s.out_c * s.in_c);
  auto run_chunk = [&](int64_t i) {
    const int64_t row0 = i * rows / chunks, row1 = (i + 1) * rows / chunks;
    const int64_t n = (row1 - row0) * tw;
    const int64_t v_plane = plane_stride(s.in_c * n), m_plane = plane_stride(s.out_c * n);
    float* v = scratch<float>(size_t(points * (plane_stride(s.in_c * max_n) +
                                               plane_stride(s.out_c * max_n))));
    float* m = v + points * plane_stride(s.in_c * max_n);
#pragma omp parallel for schedule(static) if (wide)
    for (int64_t c = 0; c < s.in_c; ++c) input(v, v_plane, row0, row1, n, c);
    if (weights.panel) {
      // M_k [first:first+8, n] = U_k [first:first+8, Cin] @ V_k [Cin, n], panel by panel.
      const int64_t group = kStreamedPanels * kPanelRows, groups = ceil_div(s.out_c, group);
#pragma omp parallel for schedule(static) if (wide)
      for (int64_t gi = 0; gi < groups; ++gi) {
        const int64_t first = gi * group, count = std::min(group, s.out_c - first);
        // U_k [first:first+count, Cin] in row panels, for every k: [points][count / 8][Cin][8].
        const int64_t up_plane = plane_stride(count * s.in_c);
        float* up = scratch<float>(size_t(points * plane_stride(group * s.in_c)), 1);
        for (int64_t p = 0; p < count; p += kPanelRows)
          weights.panel(up + p * s.in_c, up_plane, first + p);
        for (int64_t k = 0; k < points; ++k)
          row_panel_gemm(m + k * m_plane + first * n, n, up + k * up_plane, v + k * v_plane, n,
                         count, n, s.in_c);
      }
    } else {
#pragma omp parallel for schedule(static) if (wide)
      for (int64_t k = 0; k < points; ++k) {
        // M_k [Cout, n] = U_k [Cout, Cin] @ V_k [Cin, n]
        const float* uk = weights.u + k * u_plane;
        float* mk = m + k * m_plane;
        const float* vk = v + k * v_plane;
        if (weights.panels) row_panel_gemm(mk, n, uk, vk, n, s.out_c, n, s.in_c);
        else gemm_rm(false, false, s.out_c, n, s.in_c, 1.0f, uk, s.in_c, vk, n, 0.0f, mk, n);
      }
    }
#pragma omp parallel for schedule(static) if (wide)
    for (int64_t o = 0; o < s.out_c; ++o) output(m, m_plane, row0, row1, n, o);
  };
  if (wide) {
    for (int64_t i = 0; i < chunks; ++i) run_chunk(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < chunks; ++i) run_chunk(i);
}

// The weight gradient's sum over tiles, W_k [Cout, Cin] = sum over tiles of GY_k [Cout, tiles]
// @ V_k [Cin, tiles]^T for k < points, in the chunks of plan_winograd_chunks:
// input(v, plane, row0, row1, n) writes V for every input channel and grad_output(gyt, plane,
// row0, row1, n) the transformed gy for every output channel (planes `plane` floats apart).
// Returns W: [points][Cout][Cin] (planes plane_stride(Cout * Cin) apart) in the calling
// thread's scratch slot 1. Each thread takes whole chunks (static: the same ones, in the same
// order, every run) into its own copy of W; the copies are summed at the end. (Threads that
// shared each chunk's transforms and GEMMs instead met at two barriers per chunk: on this
// shared two-core machine, with other processes running, that made the backward 5-30x
// slower.)
template <class Input, class GradOutput>
const float* sum_winograd_weight_chunks(const WinogradShape& s, int64_t points, Input input,
                                        GradOutput grad_output) {
  const int64_t tw = s.tiles_w(), rows = s.batch * s.tiles_h();
  const int64_t threads = omp_get_max_threads();
  // The forwards' chunks, and at least one per thread where there are rows enough (each
  // thread sums its own).
  const int64_t chunks =
      std::min(ceil_div(plan_winograd_chunks(s, points).chunks, threads) * threads, rows);
  const int64_t max_n = ceil_div(rows, chunks) * tw;
  const int slots = int(std::min(threads, chunks));
  const int64_t w_plane = plane_stride(s.out_c * s.in_c), wt_size = points * w_plane;
  float* partial = scratch<float>(size_t(slots * wt_size), 1);  // [slots][points][Cout][Cin]
  SingleThreadedBlas blas;
#pragma omp parallel num_threads(slots)
  {
    float* wt = partial + omp_get_thread_num() * wt_size;
    float* v = scratch<float>(size_t(points * (plane_stride(s.in_c * max_n) +
                                               plane_stride(s.out_c * max_n))));
    float* gyt = v + points * plane_stride(s.in_c * max_n);
    bool first = true;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < chunks; ++i) {
      const int64_t row0 = i * rows / chunks, row1 = (i + 1) * rows / chunks;
      const int64_t n = (row1 - row0) * tw;
      const int64_t v_plane = plane_stride(s.in_c * n), gy_plane = plane_stride(s.out_c * n);
      input(v, v_plane, row0, row1, n);
      grad_output(gyt, gy_plane, row0, row1, n);
      for (int64_t k = 0; k < points; ++k) {
        // W_k [Cout, Cin] (+)= GY_k [Cout, n] @ V_k [Cin, n]^T
        gemm_rm(false, true, s.out_c, s.in_c, n, 1.0f, gyt + k * gy_plane, n, v + k * v_plane, n,
                first ? 0.0f : 1.0f, wt + k * w_plane, s.in_c);
      }
      first = false;
    }
    if (first) std::fill(wt, wt + wt_size, 0.0f);  // a thread that got no chunk
  }
#pragma omp parallel for schedule(static) if (slots > 1 && wt_size > 32768)
  for (int64_t i = 0; i < wt_size; ++i)
    for (int sl = 1; sl < slots; ++sl) partial[i] += partial[sl * wt_size + i];
  return partial;
}

}  // namespace msq::cpu
