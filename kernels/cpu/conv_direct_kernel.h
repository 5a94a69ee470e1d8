// The register tiles of the direct convolutions, written once over a vector type V that
// provides: reg, width, load, broadcast, fma, store. Included by conv_direct_avx2.cpp and
// conv_direct_avx512.cpp, each with its own V (the AVX-512 file under a target pragma), so
// each instantiation is compiled for its own ISA. Nothing from the standard library is
// called here: an out-of-line copy could otherwise be compiled for the wrong ISA.
#pragma once
#include <cstdint>

#include "kernels/cpu/conv_direct.h"

namespace msq::cpu::direct {

// Stores an OC x NV tile whose leading valid_oc x valid_w part is kept.
template <class V, int OC, int NV>
inline void store_tile(typename V::reg (&acc)[OC][NV], float* y, int64_t channel_stride,
                       int64_t valid_oc, int64_t valid_w) {
  if (valid_oc == OC && valid_w == NV * V::width) {
#pragma GCC unroll 16
    for (int o = 0; o < OC; ++o) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) V::store(y + o * channel_stride + v * V::width, acc[o][v]);
    }
    return;
  }
  float tmp[NV * V::width];
  for (int o = 0; o < OC; ++o) {
    if (o >= valid_oc) break;
    for (int v = 0; v < NV; ++v) V::store(tmp + v * V::width, acc[o][v]);
    float* dst = y + o * channel_stride;
    for (int64_t i = 0; i < valid_w; ++i) dst[i] = tmp[i];
  }
}

// y[o, ow0 + c] for o < OC, c < NV * width of one output row; in: the padded band at this
// output row's first input row and column ow0; w: [in_c][kh][kw][OC].
// x: [in_c, rows, stride, row_len] (padded band), y: [OC, out_w] (row stride channel_stride)
template <class V, int OC, int NV>
inline void conv_tile(const DirectConvBlock& b, const float* in, float* y, int64_t valid_w) {
  using reg = typename V::reg;
  reg acc[OC][NV];
#pragma GCC unroll 16
  for (int o = 0; o < OC; ++o) {
    const reg bo = V::broadcast(b.bias + o);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[o][v] = bo;
  }
  const int64_t row_step = b.in.row_step(), channel_step = b.in.rows * row_step;
  const float* w = b.weights;
  for (int64_t c = 0; c < b.in_c; ++c) {
    for (int64_t i = 0; i < b.kh; ++i) {
      const float* row = in + c * channel_step + i * row_step;
      for (int64_t j = 0; j < b.kw; ++j, w += OC) {
        const float* src = row + b.in.taps[j];
        reg xv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) xv[v] = V::load(src + v * V::width);
#pragma GCC unroll 16
        for (int o = 0; o < OC; ++o) {
          const reg wo = V::broadcast(w + o);
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[o][v] = V::fma(wo, xv[v], acc[o][v]);
        }
      }
    }
  }
  store_tile<V, OC, NV>(acc, y, b.y_channel_stride, b.valid_oc, valid_w);
}

// Every output row and column of one channel block: full NV-vector tiles, then one
// narrower tile for the remaining columns.
template <class V, int OC, int NV>
void conv_block(const DirectConvBlock& b) {
  constexpr int64_t tile_w = NV * V::width;
  const int64_t row_step = b.in.row_step();
  for (int64_t r = 0; r < b.out_rows; ++r) {
    const float* in = b.in.data + r * b.stride_h * row_step;
    float* y = b.y + r * b.out_w;
    int64_t ow = 0;
    for (; ow + tile_w <= b.out_w; ow += tile_w) conv_tile<V, OC, NV>(b, in + ow, y + ow, tile_w);
    const int64_t rest = b.out_w - ow;
    if (rest == 0) continue;
    const int64_t vectors = (rest + V::width - 1) / V::width;
    if (vectors == 1) conv_tile<V, OC, 1>(b, in + ow, y + ow, rest);
    else if (vectors == 2) conv_tile<V, OC, 2>(b, in + ow, y + ow, rest);
    else conv_tile<V, OC, NV>(b, in + ow, y + ow, rest);
  }
}

// R output rows x NV vectors of one depthwise plane, starting at output row oh, column ow0.
// x: [rows, stride, row_len] (padded plane), y: [out_h, out_w]
template <class V, int R, int NV>
inline void depthwise_tile(const DepthwisePlane& p, int64_t oh, int64_t ow0, int64_t valid_w) {
  using reg = typename V::reg;
  reg acc[R][NV];
  const reg bias = V::broadcast(&p.bias);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = bias;
  }
  const int64_t row_step = p.in.row_step();
  const float* in = p.in.data + oh * p.stride_h * row_step + ow0;
  for (int64_t i = 0; i < p.kh; ++i) {
    for (int64_t j = 0; j < p.kw; ++j) {
      const reg w = V::broadcast(p.weights + i * p.kw + j);
      const float* src = in + i * row_step + p.in.taps[j];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          acc[r][v] = V::fma(w, V::load(src + r * p.stride_h * row_step + v * V::width), acc[r][v]);
        }
      }
    }
  }
  store_tile<V, R, NV>(acc, p.y + oh * p.out_w + ow0, p.out_w, R, valid_w);
}

// R rows at a time over full NV-vector column tiles and one narrower tile.
template <class V, int R, int NV>
void depthwise_rows(const DepthwisePlane& p, int64_t oh) {
  constexpr int64_t tile_w = NV * V::width;
  int64_t ow = 0;
  for (; ow + tile_w <= p.out_w; ow += tile_w) depthwise_tile<V, R, NV>(p, oh, ow, tile_w);
  const int64_t rest = p.out_w - ow;
  if (rest == 0) return;
  const int64_t vectors = (rest + V::width - 1) / V::width;
  if (vectors == 1) depthwise_tile<V, R, 1>(p, oh, ow, rest);
  else if (vectors == 2) depthwise_tile<V, R, 2>(p, oh, ow, rest);
  else depthwise_tile<V, R, NV>(p, oh, ow, rest);
}

template <class V, int R, int NV>
void depthwise_plane(const DepthwisePlane& p) {
  int64_t oh = 0;
  for (; oh + R <= p.out_h; oh += R) depthwise_rows<V, R, NV>(p, oh);
  for (; oh < p.out_h; ++oh) depthwise_rows<V, 1, NV>(p, oh);
}

}  // namespace msq::cpu::direct
