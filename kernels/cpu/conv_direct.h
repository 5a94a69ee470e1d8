// Direct (no im2col) float32 convolution forward on the CPU, vectorised over output width.
//
// The input rows a block of output rows needs are first copied into a "padded band": zero
// columns for the padding, and for stride s the columns split into s phases, so that tap j
// of output column ow reads phase j % s at index ow + j / s, a unit-stride load for any
// stride. Rows outside the image are zero rows. A register tile then holds OC output
// channels x NV vectors of output columns and accumulates, over input channels and taps,
// a broadcast weight times a loaded input vector (one FMA per accumulator).
//
// The ISA-specific parts (conv_direct_avx2.cpp, conv_direct_avx512.cpp) only see the
// structs below; padding, weight packing, tasks and threads live in conv_direct.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/cpu/conv_common.h"
#include "kernels/cpu/simd_level.h"

namespace msq::cpu {

// Widest kernel handled by the direct paths (taps per row are kept in a fixed array).
constexpr int64_t kDirectMaxKernelWidth = 16;

// Output columns are padded up to a multiple of this (16 floats covers both ISAs) in the
// padded rows, so the last partial vector reads zeros, never past the buffer.
constexpr int64_t kDirectColumnAlign = 16;

// The layout of a padded band: [channels][rows][stride phases][row_len] floats.
struct PaddedBand {
  const float* data;
  int64_t rows;      // padded rows per channel
  int64_t stride;    // horizontal stride = number of phases
  int64_t row_len;   // floats per phase
  int64_t taps[kDirectMaxKernelWidth];  // tap j's offset: (j % stride) * row_len + j / stride
  int64_t row_step() const { return stride * row_len; }  // one input row
};

// Floats per phase of a padded row: the output columns rounded up to whole vectors, plus
// the taps' reach beyond them.
int64_t padded_row_len(int64_t out_w, int64_t kw, int64_t stride_w);
// The layout of a band of `rows` rows at data.
PaddedBand band_layout(float* data, int64_t rows, int64_t kw, int64_t stride_w, int64_t row_len);
// offsets[(c * kh + i) * kw + j]: where tap (c, i, j) reads in `band`, from an output
// position's first input row and column.
void patch_offsets(std::vector<int64_t>& offsets, const PaddedBand& band, int64_t channels,
                   int64_t kh, int64_t kw);
// Packs taps [t0, t1) of output channels oc0 .. oc0 + valid - 1 of w: [Cout][taps_per_oc]
// into dst[(t - t0) * oc_block + o] (zeros for o in [valid, oc_block)).
void pack_weight_taps(float* dst, const float* w, int64_t oc0, int64_t valid, int64_t taps_per_oc,
                      int64_t oc_block, int64_t t0, int64_t t1);
// Packs w_g: [Cout_g, Cin_g, KH, KW] into blocks [Cin_g][KH][KW][oc_block] (zero past
// Cout_g), one after another; bias (or zeros when null) likewise into [oc_block] per block.
void pack_weight_blocks(float* packed, float* packed_bias, const float* w, const float* bias,
                        int64_t out_c, int64_t taps_per_oc, int64_t oc_block);
// Fills `rows` padded rows of `channels` channels from x: [channels, h, w], starting at
// input row first_row (rows outside [0, h) become zeros):
// band[c][r][p][t] = x[c][first_row + r][stride * t + p - pad_w], or 0 outside the image.
void fill_band(float* band, const float* x, int64_t channels, int64_t h, int64_t w,
               int64_t first_row, int64_t rows, int64_t stride, int64_t row_len, int64_t pad_w);

// One output-channel block over a band of output rows.
struct DirectConvBlock {
  PaddedBand in;        // channels = in_c
  int64_t stride_h;
  // Every (c, i, j) of the patch as one flat list (one loop keeps the accumulators in
  // registers): tap t reads the band at offsets[t] from the output position's first row.
  const int64_t* offsets;  // [in_c * kh * kw]
  int64_t patch;
  const float* weights;  // [in_c][kh][kw][oc_block] (zero past the valid channels)
  const float* bias;     // [oc_block] (zeros when the conv has none)
  float* y;              // y[o * y_channel_stride + r * out_w + ow], o < valid_oc
  int64_t y_channel_stride, out_rows, out_w, valid_oc;
};

// One depthwise channel plane: every output row of one (image, output channel).
struct DepthwisePlane {
  PaddedBand in;   // one channel, rows = (out_h - 1) * stride_h + kh
  int64_t stride_h;
  const int64_t* offsets;  // [kh * kw], as in DirectConvBlock
  int64_t patch;
  const float* weights;  // [kh * kw]
  float bias;
  float* y;              // [out_h][out_w]
  int64_t out_h, out_w;
};

// One channel block of a weight gradient over a band of output positions, vectorised over
// output channels: for every position p and tap t (one (c, i, j) of the patch),
// gw_t[t][o] += gy_t[p][o] * x[offsets[t] + p] (a broadcast input value times a vector of gy).
struct WeightGradBlock {
  const float* gy_t;       // [positions][ld_gy]: gy transposed, this block's channel 0 at column 0
  int64_t ld_gy;
  const float* x;          // a shifted band (conv_direct_weight.cpp): tap t's inputs for
  const int64_t* offsets;  // positions 0, 1, ... lie at x + offsets[t] + p; [taps]
  int64_t taps;            // a multiple of kWeightGradTaps (extra taps are computed, unused)
  int64_t positions;
  float* gw_t;             // [taps][ld_gw], accumulated into; this block's channel 0 at column 0
  int64_t ld_gw;
};

// Taps per depthwise weight-gradient tile (a 3x3 kernel in one sweep).
constexpr int64_t kDepthwiseGradTaps = 9;

// Taps per weight-gradient register tile.
constexpr int64_t kWeightGradTaps = 6;

// Asks for [p, p + n) to be brought into cache: the rows of one channel of a band are a run
// too short for the hardware prefetcher, so each fill asks for the next channel's.
void prefetch_floats(const float* p, int64_t n);

// The same into L2 only (for data needed after the current tile's working set).
void prefetch_floats_l2(const float* p, int64_t n);

// dst[0, n) = src[0, n), for the short rows of the bands (a library memcpy's call costs
// more than the copy there).
void copy_row(float* dst, const float* src, int64_t n);

// The column phases of one image row src: [w] under a horizontal stride (vectorised for 2 and
// 4, the Winograd stride-2 forward's 5x5 blocks): for phase q < stride
// and t < n, phases[q * ld + t] = src[stride * t + q + offset], or 0 outside [0, w).
void split_column_phases(float* phases, int64_t ld, const float* src, int64_t w, int64_t stride,
                         int64_t offset, int64_t n);

// The inverse for stride 2: row[2t] = even[t], row[2t + 1] = odd[t] for the columns < w.
void merge_column_phases(float* row, int64_t w, const float* even, const float* odd);

// Output channels per register tile, per ISA.
int direct_conv_oc_block(SimdLevel level);

// The ISA-specific kernels.
void direct_conv_block_avx2(const DirectConvBlock& b);
void direct_conv_block_avx512(const DirectConvBlock& b);
void depthwise_plane_avx2(const DepthwisePlane& p);
void depthwise_plane_avx512(const DepthwisePlane& p);
// sums[t] += the depthwise weight gradient of tap t over one plane; gy: [out_h][ld], ld a
// multiple of the vector width, zero past out_w; p.patch a multiple of kDepthwiseGradTaps.
void depthwise_weight_grad_plane_avx2(const DepthwisePlane& p, const float* gy, int64_t ld,
                                      float* sums);
void depthwise_weight_grad_plane_avx512(const DepthwisePlane& p, const float* gy, int64_t ld,
                                        float* sums);
// `vectors` (1 to 4 on AVX-512, 1 or 2 on AVX2) vectors of output channels per tile.
void weight_grad_block_avx2(const WeightGradBlock& b, int vectors);
void weight_grad_block_avx512(const WeightGradBlock& b, int vectors);
// pack_weight_taps for an oc_block that is a multiple of 16: 16 x 16 blocks transposed in
// registers.
void pack_weight_taps_avx512(float* dst, const float* w, int64_t oc0, int64_t valid,
                             int64_t taps_per_oc, int64_t oc_block, int64_t t0, int64_t t1);
// split_column_phases for stride 2 on AVX-512: 16 outputs per phase at a time, edges and tails
// by masked loads and stores (no padded copy of the row).
void split_column_phases2_avx512(float* phases, int64_t ld, const float* src, int64_t w,
                                 int64_t offset, int64_t n);

// Which forward path a float32 convolution takes. `fallback`: im2col + GEMM, or the scalar
// depthwise loops (the paths float64 always takes); `direct`: the kernels of this file;
// `channels`: the channel-vector kernels (conv_channel_vector.h) where they apply, the
// automatic choice elsewhere; `winograd`: the Winograd kernels (conv_winograd.h) where they
// apply (forward and input gradient), the automatic choice elsewhere. Only `automatic` and
// `winograd` take the Winograd kernels.
enum class ConvAlgorithm { automatic, fallback, direct, channels, winograd };

// For tests and benchmarks: force a path where it applies (direct needs dilation 1 and
// a kernel no wider than kDirectMaxKernelWidth), or go back to automatic. The starting
// value comes from the environment variable MSQ_CONV_PATH (fallback | direct | channels |
// winograd).
void force_conv_algorithm(ConvAlgorithm a);
ConvAlgorithm forced_conv_algorithm();

// Whether the direct kernel can compute this convolution at all / is the faster choice.
bool direct_conv_supported(const ConvGeometry& g, const Conv2dParams& p);
bool direct_conv_preferred(const ConvGeometry& g, const Conv2dParams& p);

// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, Cin_g, KH, KW], bias: [Cout] or null.
void direct_conv_forward(float* y, const float* x, const float* w, const float* bias,
                         const ConvGeometry& g, const Conv2dParams& p);

// The input gradient of a stride-1 convolution is itself a stride-1 convolution of gy
// with the weights flipped in space and transposed in channels, padded by K - 1 - pad:
// gx[c, h, w] = sum_o,i,j gy[o, h + pad - i, w + pad - j] w[o, c, i, j]. A strided one is
// one such convolution per stride phase of gx (conv_direct_polyphase.cpp).
bool direct_backward_input_preferred(const ConvGeometry& g, const Conv2dParams& p);
// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, Cin_g, KH, KW].
void direct_conv_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p);
void direct_conv_backward_input_polyphase(float* gx, const float* gy, const float* w,
                                          const ConvGeometry& g, const Conv2dParams& p);

// The weight gradient of an ungrouped convolution (dilation 1) by the WeightGradBlock
// tiles: no im2col matrix, only a band of input rows shifted once per kernel column.
bool direct_backward_weight_preferred(const ConvGeometry& g, const Conv2dParams& p);
// gw: [Cout, Cin, KH, KW] (overwritten), gy: [B, Cout, Ho, Wo], x: [B, Cin, H, W].
void direct_conv_backward_weight(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                                 const Conv2dParams& p);

// Depthwise forward (groups == Cin, dilation 1) through the vectorised plane kernels.
bool depthwise_simd_preferred(const ConvGeometry& g, const Conv2dParams& p);
void depthwise_forward_simd(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p);
// The input gradient of a stride-1 depthwise convolution with one output channel per input
// channel is the same forward, of gy, with each kernel flipped and padding K - 1 - pad.
bool depthwise_backward_input_simd_preferred(const ConvGeometry& g, const Conv2dParams& p);
// gx: [B, C, H, W] (overwritten), gy: [B, C, Ho, Wo], w: [C, 1, KH, KW].
void depthwise_backward_input_simd(float* gx, const float* gy, const float* w,
                                   const ConvGeometry& g, const Conv2dParams& p);
// The depthwise weight gradient (where depthwise_simd_preferred) by the plane kernels, one
// thread per output channel. gw: [Cout, 1, KH, KW] (overwritten), gy: [B, Cout, Ho, Wo],
// x: [B, Cin, H, W].
void depthwise_backward_weight_simd(float* gw, const float* gy, const float* x,
                                    const ConvGeometry& g, const Conv2dParams& p);

}  // namespace msq::cpu
