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

// P pixels x OCV channel vectors starting at `in` (the band at the first pixel's first
// input row and column) with STEP band columns from one pixel to the next; stores the
// first `valid` pixels (the others read the band's slack and are dropped).
// band: [in_c][rows][row_len], w: [in_c][kh][kw][OCV * width], y: [oc][out_rows][out_w]
template <class V, int OCV, int P, int STEP>
inline void tile(const DirectConvBlock& b, const float* in, float* y, int64_t y_step,
                 int64_t valid) {
  using reg = typename V::reg;
  constexpr int C = OCV * V::width;
  reg acc[P][OCV];
#pragma GCC unroll 4
  for (int v = 0; v < OCV; ++v) {
    const reg bv = V::load(b.bias + v * V::width);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) acc[p][v] = bv;
  }
  const float* w = b.weights;
  const int64_t* offsets = b.offsets;
  const int64_t patch = b.patch;
  for (int64_t t = 0; t < patch; ++t, w += C) {
    const float* src = in + offsets[t];
    reg wv[OCV];
#pragma GCC unroll 4
    for (int v = 0; v < OCV; ++v) wv[v] = V::load(w + v * V::width);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const reg xb = V::broadcast(src + p * STEP);
#pragma GCC unroll 4
      for (int v = 0; v < OCV; ++v) acc[p][v] = V::fma(xb, wv[v], acc[p][v]);
    }
  }
  // Transposed into y through a small buffer: lane o of acc[p][v] is channel v * width + o.
  alignas(64) float out[P][C];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int v = 0; v < OCV; ++v) V::store(&out[p][v * V::width], acc[p][v]);
  }
  const int64_t valid_oc = b.valid_oc, cs = b.y_channel_stride;
  for (int64_t o = 0; o < valid_oc; ++o)
    for (int64_t p = 0; p < valid; ++p) y[o * cs + p * y_step] = out[p][o];
}

// Every output row of one channel block: tiles of P pixels along each row, the last one
// of a row by a tile of Q pixels when the rest fits it (Q < P). Output (r, ow) of channel o
// goes to y[o * y_channel_stride + r * y_row + ow * y_step].
template <class V, int OCV, int P, int Q, int STEP>
void block(const DirectConvBlock& b, int64_t y_row, int64_t y_step) {
  const int64_t in_row = b.stride_h * b.in.row_step();
  for (int64_t r = 0; r < b.out_rows; ++r) {
    const float* in = b.in.data + r * in_row;
    float* y = b.y + r * y_row;
    int64_t ow = 0;
    for (; ow + P <= b.out_w; ow += P)
      tile<V, OCV, P, STEP>(b, in + ow * STEP, y + ow * y_step, y_step, P);
    const int64_t rest = b.out_w - ow;
    if (rest == 0) continue;
    if (rest <= Q) tile<V, OCV, Q, STEP>(b, in + ow * STEP, y + ow * y_step, y_step, rest);
    else tile<V, OCV, P, STEP>(b, in + ow * STEP, y + ow * y_step, y_step, rest);
  }
}

}  // namespace msq::cpu::channel_vector
