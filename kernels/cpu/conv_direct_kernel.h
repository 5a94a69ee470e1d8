// The register tiles of the direct convolutions, written once over a vector type V that
// provides: reg, width, load, broadcast, fma, add, store (and a narrow type N, same interface,
// for remainders). Included by conv_direct_avx2.cpp and
// conv_direct_avx512.cpp, each with its own V (the AVX-512 file under a target pragma), so
// each instantiation is compiled for its own ISA. Nothing from the standard library is
// called here: an out-of-line copy could otherwise be compiled for the wrong ISA.
#pragma once
#include <cstdint>

#include "kernels/cpu/conv_direct.h"

namespace msq::cpu::direct {

// Where the NV vectors of a tile lie: side by side along one output row (step = width,
// `valid` counts the columns kept over the whole tile), or stacked over NV output rows
// (the same columns of consecutive rows, `valid` columns kept in each).
struct TileSteps {
  int64_t in_step, out_step;
  bool stacked;
};

// Stores the first n (<= width) floats of a vector.
template <class V>
inline void store_first(float* dst, typename V::reg v, int64_t n) {
  if (n >= V::width) {
    V::store(dst, v);
  } else if (n > 0) {
    float tmp[V::width];
    V::store(tmp, v);
    for (int64_t i = 0; i < n; ++i) dst[i] = tmp[i];
  }
}

// Stores an OC x NV tile, keeping valid_oc channels and the valid columns. The loops are
// unrolled so that every acc[o][v] is a constant index (acc stays in registers).
template <class V, int OC, int NV>
inline void store_tile(typename V::reg (&acc)[OC][NV], float* y, int64_t channel_stride,
                       int64_t valid_oc, int64_t valid, const TileSteps& steps) {
#pragma GCC unroll 16
  for (int o = 0; o < OC; ++o) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const int64_t n = steps.stacked ? valid : valid - v * V::width;
      if (o < valid_oc) store_first<V>(y + o * channel_stride + v * steps.out_step, acc[o][v], n);
    }
  }
}

// OC output channels x NV vectors placed by `steps`; in: the padded band at the first
// vector's first input row and column; w: [in_c][kh][kw][OC].
// x: [in_c, rows, stride, row_len] (padded band), y: [OC, out_h, out_w] (row stride channel_stride)
template <class V, int OC, int NV>
inline void conv_tile(const DirectConvBlock& b, const float* in, float* y, int64_t valid,
                      const TileSteps& steps) {
  using reg = typename V::reg;
  reg acc[OC][NV];
#pragma GCC unroll 16
  for (int o = 0; o < OC; ++o) {
    const reg bo = V::broadcast(b.bias + o);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[o][v] = bo;
  }
  const float* w = b.weights;
  const int64_t* offsets = b.offsets;
  const int64_t patch = b.patch;
  for (int64_t t = 0; t < patch; ++t, w += OC) {
    const float* src = in + offsets[t];
    reg xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) xv[v] = V::load(src + v * steps.in_step);
#pragma GCC unroll 16
    for (int o = 0; o < OC; ++o) {
      const reg wo = V::broadcast(w + o);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[o][v] = V::fma(wo, xv[v], acc[o][v]);
    }
  }
  store_tile<V, OC, NV>(acc, y, b.y_channel_stride, b.valid_oc, valid, steps);
}

// Every output row and column of one channel block: full NV-vector tiles along each row,
// then the remaining columns. A remainder of at most one vector is done NV rows at a time
// (stacked), so the tile keeps OC x NV accumulators, in the narrow vector type N when it
// fits (less padding: 56 = 3 x 16 + 8); a longer one by a tile along the row.
template <class V, class N, int OC, int NV>
void conv_block(const DirectConvBlock& b) {
  constexpr int64_t tile_w = NV * V::width;
  const int64_t row_step = b.in.row_step(), in_row = b.stride_h * row_step;
  const int64_t full = b.out_w / tile_w * tile_w, rest = b.out_w - full;
  const TileSteps along{V::width, V::width, false};
  for (int64_t r = 0; r < b.out_rows; ++r) {
    const float* in = b.in.data + r * in_row;
    float* y = b.y + r * b.out_w;
    for (int64_t ow = 0; ow < full; ow += tile_w) conv_tile<V, OC, NV>(b, in + ow, y + ow, tile_w, along);
    if (rest > V::width) {
      if (rest <= 2 * V::width) conv_tile<V, OC, 2>(b, in + full, y + full, rest, along);
      else conv_tile<V, OC, NV>(b, in + full, y + full, rest, along);
    }
  }
  if (rest == 0 || rest > V::width) return;
  const TileSteps stacked{in_row, b.out_w, true};
  const float* in = b.in.data + full;
  float* y = b.y + full;
  int64_t r = 0;
  for (; r + NV <= b.out_rows; r += NV) {
    if (rest <= N::width) conv_tile<N, OC, NV>(b, in + r * in_row, y + r * b.out_w, rest, stacked);
    else conv_tile<V, OC, NV>(b, in + r * in_row, y + r * b.out_w, rest, stacked);
  }
  for (; r < b.out_rows; ++r) {
    if (rest <= N::width) conv_tile<N, OC, 1>(b, in + r * in_row, y + r * b.out_w, rest, stacked);
    else conv_tile<V, OC, 1>(b, in + r * in_row, y + r * b.out_w, rest, stacked);
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
  const int64_t in_row = p.stride_h * p.in.row_step();
  const float* in = p.in.data + oh * in_row + ow0;
  const int64_t* offsets = p.offsets;
  const int64_t patch = p.patch;
  for (int64_t t = 0; t < patch; ++t) {
    const reg w = V::broadcast(p.weights + t);
    const float* src = in + offsets[t];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] = V::fma(w, V::load(src + r * in_row + v * V::width), acc[r][v]);
    }
  }
  store_tile<V, R, NV>(acc, p.y + oh * p.out_w + ow0, p.out_w, R, valid_w,
                       TileSteps{V::width, V::width, false});
}

// R rows at a time over full NV-vector column tiles and one narrower tile (in the narrow
// vector type N when the remainder fits one).
template <class V, class N, int R, int NV>
void depthwise_rows(const DepthwisePlane& p, int64_t oh) {
  constexpr int64_t tile_w = NV * V::width;
  int64_t ow = 0;
  for (; ow + tile_w <= p.out_w; ow += tile_w) depthwise_tile<V, R, NV>(p, oh, ow, tile_w);
  const int64_t rest = p.out_w - ow;
  if (rest == 0) return;
  const int64_t vectors = (rest + V::width - 1) / V::width;
  if (rest <= N::width) depthwise_tile<N, R, 1>(p, oh, ow, rest);
  else if (vectors == 1) depthwise_tile<V, R, 1>(p, oh, ow, rest);
  else if (vectors == 2) depthwise_tile<V, R, 2>(p, oh, ow, rest);
  else depthwise_tile<V, R, NV>(p, oh, ow, rest);
}

template <class V, class N, int R, int NV>
void depthwise_plane(const DepthwisePlane& p) {
  int64_t oh = 0;
  for (; oh + R <= p.out_h; oh += R) depthwise_rows<V, N, R, NV>(p, oh);
  for (; oh < p.out_h; ++oh) depthwise_rows<V, N, 1, NV>(p, oh);
}

// T taps x CV vectors of output channels of a weight gradient, summed over every position
// of the block and added to gw_t.
// gy_t: [positions][ld_gy], x: shifted band, gw_t: [taps][ld_gw] (rows t0 .. t0 + T - 1)
template <class V, int CV, int T>
inline void weight_grad_tile(const WeightGradBlock& b, int64_t t0) {
  using reg = typename V::reg;
  const float zero = 0.0f;
  reg acc[T][CV];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) acc[t][c] = V::broadcast(&zero);
  }
  const float* xs[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) xs[t] = b.x + b.offsets[t0 + t];
  const float* g = b.gy_t;
  for (int64_t p = 0; p < b.positions; ++p, g += b.ld_gy) {
    reg gv[CV];
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) gv[c] = V::load(g + c * V::width);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const reg xv = V::broadcast(xs[t] + p);
#pragma GCC unroll 4
      for (int c = 0; c < CV; ++c) acc[t][c] = V::fma(xv, gv[c], acc[t][c]);
    }
  }
  float* out = b.gw_t + t0 * b.ld_gw;
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) {
      float* dst = out + t * b.ld_gw + c * V::width;
      V::store(dst, V::add(V::load(dst), acc[t][c]));
    }
  }
}

template <class V, int CV>
void weight_grad_block(const WeightGradBlock& b) {
  for (int64_t t0 = 0; t0 < b.taps; t0 += kWeightGradTaps)
    weight_grad_tile<V, CV, int(kWeightGradTaps)>(b, t0);
}

// The depthwise weight gradient of taps [t0, t0 + T) of one plane: sums[t] += the sum over
// the plane's positions of gy times the input that tap t reads there. gy's rows are padded
// with zeros to ld (a whole number of vectors), so the padded lanes add nothing.
// x: [rows, stride, row_len] (padded plane), gy: [out_h][ld]
template <class V, int T>
inline void depthwise_weight_grad_taps(const DepthwisePlane& p, const float* gy, int64_t ld,
                                       int64_t t0, float* sums) {
  using reg = typename V::reg;
  const float zero = 0.0f;
  reg acc[T];
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) acc[t] = V::broadcast(&zero);
  const int64_t in_row = p.stride_h * p.in.row_step();
  const int64_t* offsets = p.offsets + t0;
  for (int64_t r = 0; r < p.out_h; ++r) {
    const float* in = p.in.data + r * in_row;
    const float* g = gy + r * ld;
    for (int64_t c = 0; c < ld; c += V::width) {
      const reg gv = V::load(g + c);
#pragma GCC unroll 16
      for (int t = 0; t < T; ++t) acc[t] = V::fma(gv, V::load(in + offsets[t] + c), acc[t]);
    }
  }
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    float lanes[V::width];
    V::store(lanes, acc[t]);
    float s = 0.0f;
    for (int i = 0; i < V::width; ++i) s += lanes[i];
    sums[t0 + t] += s;
  }
}

// Every tap of one plane, in groups of kDepthwiseGradTaps (p.patch is a multiple of it).
template <class V>
void depthwise_weight_grad_plane(const DepthwisePlane& p, const float* gy, int64_t ld,
                                 float* sums) {
  for (int64_t t0 = 0; t0 < p.patch; t0 += kDepthwiseGradTaps)
    depthwise_weight_grad_taps<V, int(kDepthwiseGradTaps)>(p, gy, ld, t0, sums);
}

}  // namespace msq::cpu::direct
