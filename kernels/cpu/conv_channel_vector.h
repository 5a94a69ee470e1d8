// The channel-vector float32 convolution forward on the CPU: vectorised over OUTPUT
// CHANNELS instead of output columns (conv_direct.h vectorises over columns).
//
// The weights are packed [Cout / C][Cin][KH][KW][C] (C = 2 vectors: 32 channels on AVX-512,
// 16 on AVX2) and every output pixel accumulates its C channels in 2 registers: per tap, a
// broadcast input value times the 2 weight vectors. A register tile is P pixels of one
// output row (14 on AVX-512, 6 on AVX2), so 28-, 14- and 7-wide rows lose no lanes, and a
// stride of 2 is a broadcast from every other column of a plainly padded band: no column
// phases to split. The tile is transposed into y [B, Cout, Ho, Wo] through a small buffer.
//
// It uses the direct path's band and block structs (conv_direct.h) with a band of one
// column phase; only the register tile differs.
#pragma once
#include <cstdint>

#include "kernels/cpu/conv_direct.h"

namespace msq::cpu {

// Output channels per register tile, per ISA.
int channel_vector_oc_block(SimdLevel level);

// Every output row of one channel block of b: b.weights [in_c][kh][kw][oc_block],
// b.bias [oc_block]; pixel p of a row reads the band at p * pixel_step (1 or 2) from the
// row's first input column. Output (r, ow) of channel o goes to
// b.y[o * b.y_channel_stride + r * y_row + ow * y_step] (y_row = b.out_w, y_step = 1 for a
// plain output; the strided input gradient writes its phases straight into gx). Reads up
// to channel_vector_slack() floats past the band.
void channel_vector_block_avx2(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                               int64_t y_step);
void channel_vector_block_avx512(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                                 int64_t y_step);
// The kernel of the current SIMD level.
using ChannelVectorKernel = void (*)(const DirectConvBlock&, int64_t, int64_t, int64_t);
ChannelVectorKernel channel_vector_kernel(SimdLevel level);
// Readable floats needed past a band (its last tile's unused pixels read them).
int64_t channel_vector_slack(int64_t pixel_step, int64_t kw);

// Whether the kernel can compute this convolution (dilation 1, horizontal stride 1 or 2,
// not depthwise, kernel no wider than kDirectMaxKernelWidth) / is the faster choice.
bool channel_vector_supported(const ConvGeometry& g, const Conv2dParams& p);
bool channel_vector_preferred(const ConvGeometry& g, const Conv2dParams& p);

// Whether the strided input gradient's phases (conv_direct_polyphase.cpp) take these tiles.
bool channel_vector_polyphase_preferred(const ConvGeometry& g, const Conv2dParams& p);

// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, Cin_g, KH, KW], bias: [Cout] or null.
void channel_vector_forward(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p);

}  // namespace msq::cpu
