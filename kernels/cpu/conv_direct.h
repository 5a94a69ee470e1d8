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

// Output channels per register tile, per ISA.
int direct_conv_oc_block(SimdLevel level);

// The ISA-specific kernels.
void direct_conv_block_avx2(const DirectConvBlock& b);
void direct_conv_block_avx512(const DirectConvBlock& b);
void depthwise_plane_avx2(const DepthwisePlane& p);
void depthwise_plane_avx512(const DepthwisePlane& p);

// Which forward path a float32 convolution takes. `fallback`: im2col + GEMM, or the scalar
// depthwise loops (the paths float64 always takes); `direct`: the kernels of this file.
enum class ConvAlgorithm { automatic, fallback, direct };

// For tests and benchmarks: force a path where it applies (direct needs dilation 1 and
// a kernel no wider than kDirectMaxKernelWidth), or go back to automatic. The starting
// value comes from the environment variable MSQ_CONV_PATH (fallback | direct), if set.
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
// gx[c, h, w] = sum_o,i,j gy[o, h + pad - i, w + pad - j] w[o, c, i, j].
bool direct_backward_input_preferred(const ConvGeometry& g, const Conv2dParams& p);
// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, Cin_g, KH, KW].
void direct_conv_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p);

// Depthwise forward (groups == Cin, dilation 1) through the vectorised plane kernels.
bool depthwise_simd_preferred(const ConvGeometry& g, const Conv2dParams& p);
void depthwise_forward_simd(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p);

}  // namespace msq::cpu
