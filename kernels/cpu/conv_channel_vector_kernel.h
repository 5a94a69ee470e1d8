// The register tile of the channel-vector convolution (conv_channel_vector.h), written once
// over a vector type V (reg, width, load, broadcast, fma, store) and included by
// conv_channel_vector_avx2.cpp and conv_channel_vector_avx512.cpp, each compiled for its
// own ISA. Nothing from the standard library is called here (an out-of-line copy could be
// compiled for the wrong ISA).
//
// A tile is P consecutive output pixels of one output row x OCV vectors of output channels:
// acc[p][v] holds channels v * width .. v * width + width - 1 of pixel p. Per tap it loads
// OCV weight vectors and broadcasts one input value per pixel (P x OCV FMAs), so a row of
// any width wastes no lanes, and a horizontal stride only changes where the broadcasts read.
#pragma once
#include <cstdint>

#include "kernels/cpu/conv_direct.h"

namespace msq::cpu::channel_vector {

// Where one row of a tile starts: its first pixel's band position (first input row and
// column), output (channel 0) and partial sums.
struct TileRow {
  const float* in;
  float* y;
  float* sums;
};

// R rows x W pixels x OCV channel vectors: pixel p of row r reads the band at rows[r].in +
// p * STEP (STEP band columns from one pixel to the next) and is stored at rows[r].y + p *
// y_step; of each row only the first `valid` pixels are stored (the others read the band's
// slack and are dropped). With partial sums (ChannelVectorSums), the tile starts from
// rows[r].sums[p] instead of the bias and/or ends there instead of in y.
// band: [in_c][rows][row_len], w: [in_c][kh][kw][OCV * width], y: [oc][out_rows][out_w],
// sums: [pixels][OCV * width]
template <class V, int OCV, int R, int W, int STEP>
inline void tile(const DirectConvBlock& b, const TileRow (&rows)[R], int64_t y_step, int64_t valid,
                 bool from_sums, bool to_sums) {
  using reg = typename V::reg;
  constexpr int C = OCV * V::width, P = R * W;
  reg acc[P][OCV];
  if (from_sums) {
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
      for (int v = 0; v < OCV; ++v)
        acc[p][v] = V::load(rows[p / W].sums + (p % W) * C + v * V::width);
    }
  } else {
#pragma GCC unroll 4
    for (int v = 0; v < OCV; ++v) {
      const reg bv = V::load(b.bias + v * V::width);
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) acc[p][v] = bv;
    }
  }
  const float* w = b.weights;
  const int64_t* offsets = b.offsets;
  const int64_t patch = b.patch;
  for (int64_t t = 0; t < patch; ++t, w += C) {
    const int64_t offset = offsets[t];
    reg wv[OCV];
#pragma GCC unroll 4
    for (int v = 0; v < OCV; ++v) wv[v] = V::load(w + v * V::width);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const reg xb = V::broadcast(rows[p / W].in + offset + (p % W) * STEP);
#pragma GCC unroll 4
      for (int v = 0; v < OCV; ++v) acc[p][v] = V::fma(xb, wv[v], acc[p][v]);
    }
  }
  if (to_sums) {
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      if (p % W >= valid) continue;  // past the row's end: another tile's pixels
#pragma GCC unroll 4
      for (int v = 0; v < OCV; ++v)
        V::store(rows[p / W].sums + (p % W) * C + v * V::width, acc[p][v]);
    }
    return;
  }
  // Transposed into y through a small buffer: lane o of acc[p][v] is channel v * width + o.
  alignas(64) float out[P][C];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int v = 0; v < OCV; ++v) V::store(&out[p][v * V::width], acc[p][v]);
  }
  const int64_t valid_oc = b.valid_oc, cs = b.y_channel_stride;
  for (int r = 0; r < R; ++r)
    for (int64_t o = 0; o < valid_oc; ++o)
      for (int64_t p = 0; p < valid; ++p) rows[r].y[o * cs + p * y_step] = out[r * W + p][o];
}

// Every output row of one channel block (and of `next`, a second image whose rows follow
// b's, where given): tiles of P pixels along each row, the last one of a row by a tile of
// Q pixels when the rest fits it (Q = P / 2); rows of exactly Q pixels then go in pairs (one
// tile of 2 x Q pixels), so that a row of 7 fills as many accumulators as a row of 14, and
// an odd last row of b pairs with next's first. Q = P: no smaller tile. Output (r, ow) of
// channel o goes to y[o * y_channel_stride + r * y_row + ow * y_step]; pixel (r, ow)'s
// partial sums (where s.data is set) at s.data + (r * out_w + ow) * OCV * width.
template <class V, int OCV, int P, int Q, int STEP>
void block(const DirectConvBlock& b, int64_t y_row, int64_t y_step, const ChannelVectorSums& s,
           const ChannelVectorNext* next) {
  static_assert(Q == P || 2 * Q == P, "channel_vector::block: rests of Q = P or P / 2 pixels");
  constexpr int C = OCV * V::width;
  const int64_t in_row = b.stride_h * b.in.row_step(), out_w = b.out_w;
  const int64_t rows = b.out_rows + (next ? b.out_rows : 0);
  // Row k of b, then of next, from column ow.
  auto row = [&](int64_t k, int64_t ow) {
    const bool second = k >= b.out_rows;
    const int64_t r = second ? k - b.out_rows : k;
    const float* band = second ? next->band : b.in.data;
    float* y = second ? next->y : b.y;
    float* sums = second ? next->sums : s.data;
    return TileRow{band + r * in_row + ow * STEP, y + r * y_row + ow * y_step,
                   sums ? sums + (r * out_w + ow) * C : nullptr};
  };
  int64_t k = 0;
  if (2 * Q == P && out_w == Q) {
    for (; k + 2 <= rows; k += 2) {
      const TileRow pair[2] = {row(k, 0), row(k + 1, 0)};
      tile<V, OCV, 2, Q, STEP>(b, pair, y_step, Q, s.from_sums, s.to_sums);
    }
  }
  for (; k < rows; ++k) {
    int64_t ow = 0;
    for (; ow + P <= out_w; ow += P) {
      const TileRow one[1] = {row(k, ow)};
      tile<V, OCV, 1, P, STEP>(b, one, y_step, P, s.from_sums, s.to_sums);
    }
    const int64_t rest = out_w - ow;
    if (rest == 0) continue;
    const TileRow one[1] = {row(k, ow)};
    if (rest <= Q) tile<V, OCV, 1, Q, STEP>(b, one, y_step, rest, s.from_sums, s.to_sums);
    else tile<V, OCV, 1, P, STEP>(b, one, y_step, rest, s.from_sums, s.to_sums);
  }
}

}  // namespace msq::cpu::channel_vector
