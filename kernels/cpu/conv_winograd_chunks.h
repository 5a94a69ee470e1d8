// The chunk loop of the Winograd forwards (conv_winograd.cpp; any variant with 2x2 output
// tiles and `points` transformed points per tile): tiles of 2x2 outputs in chunks of whole tile
// rows counted over the batch (image b's tile row r is row b * tile_rows + r); per chunk an
// input transform to V [points][Cin][n], one GEMM per point M_k [Cout, n] = U_k [Cout, Cin]
// @ V_k [Cin, n], and an output transform of M.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/conv_common.h"

namespace msq::cpu {

// A chunk's transformed input and GEMM output ([points][Cin][n] and [points][Cout][n] floats) are
// sized to about this many floats together (512 KB: half of a Zen 4 core's L2)...
constexpr int64_t kChunkBudget = int64_t(1) << 17;
// ... but hold at least this many tiles, so each U_k read by a GEMM serves enough columns
// (the 16 U_k of 512 channels are 16 MB: they come from L3 or memory once per chunk).
// Measured (one thread, CPU time, 8 images, ms for 64 @ 56 / 128 @ 28 / 256 @ 14 / 512 @ 7):
// at least 32 tiles 13.2 / 11.3 / 14.4 / 21.9, 64: 12.2 / 12.9 / 12.7 / 19.4, 128: 11.7 /
// 12.4 / 12.4 / 17.0, 256: 12.9 / 11.3 / 14.2 / 17.5; budgets of 256 KB and 1 MB about alike.
constexpr int64_t kMinChunkTiles = 128;

// The convolution a Winograd kernel computes: x: [batch, in_c, h, w] -> y: [batch, out_c,
// out_h, out_w], 3x3, padding pad_h, pad_w (the stride is the kernel's), in 2x2 output tiles.
struct WinogradShape {
  int64_t batch, in_c, h, w, out_c, out_h, out_w, pad_h, pad_w;
  int64_t tiles_h() const { return ceil_div(out_h, 2); }
  int64_t tiles_w() const { return ceil_div(out_w, 2); }
};

// Runs every chunk: input(v, row0, row1, n, c) writes channel c of V for tile rows
// [row0, row1) (n tiles), output(m, row0, row1, n, o) writes output channel o from M; u:
// [points][out_c][in_c]. With at least as many chunks as threads, each thread takes whole
// chunks; with fewer (small images, or channels so many that one chunk takes every tile),
// the threads share each chunk's channels and its GEMMs. The GEMMs are single-threaded
// either way.
template <class Input, class Output>
void run_winograd_chunks(const WinogradShape& s, int64_t points, const float* u, Input input,
                         Output output) {
  const int64_t tw = s.tiles_w(), rows = s.batch * s.tiles_h();
  const int64_t threads = omp_get_max_threads();
  const int64_t fit = kChunkBudget / (points * (s.in_c + s.out_c) * tw);
  const int64_t chunk_rows =
      std::clamp<int64_t>(std::max(fit, ceil_div(kMinChunkTiles, tw)), 1, rows);
  int64_t chunks = ceil_div(rows, chunk_rows);
  // A whole number of chunks per thread (chunks of rows / chunks or one more row).
  if (chunks > threads) chunks = std::min(ceil_div(chunks, threads) * threads, rows);
  const bool wide = chunks < threads;
  const int64_t max_n = ceil_div(rows, chunks) * tw;
  SingleThreadedBlas blas;
  auto run_chunk = [&](int64_t i) {
    const int64_t row0 = i * rows / chunks, row1 = (i + 1) * rows / chunks;
    const int64_t n = (row1 - row0) * tw;
    float* v = scratch<float>(size_t(points * (s.in_c + s.out_c) * max_n));
    float* m = v + points * s.in_c * max_n;
#pragma omp parallel for schedule(static) if (wide)
    for (int64_t c = 0; c < s.in_c; ++c) input(v, row0, row1, n, c);
#pragma omp parallel for schedule(static) if (wide)
    for (int64_t k = 0; k < points; ++k) {
      // M_k [Cout, n] = U_k [Cout, Cin] @ V_k [Cin, n]
      gemm_rm(false, false, s.out_c, n, s.in_c, 1.0f, u + k * s.out_c * s.in_c, s.in_c,
              v + k * s.in_c * n, n, 0.0f, m + k * s.out_c * n, n);
    }
#pragma omp parallel for schedule(static) if (wide)
    for (int64_t o = 0; o < s.out_c; ++o) output(m, row0, row1, n, o);
  };
  if (wide) {
    for (int64_t i = 0; i < chunks; ++i) run_chunk(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < chunks; ++i) run_chunk(i);
}

}  // namespace msq::cpu
