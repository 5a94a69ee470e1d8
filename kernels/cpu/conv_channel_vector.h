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

// Partial sums of a block over a chunk of its input channels (the blocked forward below):
// data: [out_rows * out_w][oc_block] plus readable slack (channel_vector_sums_slack); a
// tile starts from them instead of the bias where from_sums, and ends in them instead of
// y where to_sums. data == nullptr: neither (a plain block).
struct ChannelVectorSums {
  float* data = nullptr;
  bool from_sums = false, to_sums = false;
};

// A second image whose rows continue a block's (same geometry, channels and weights): its
// band, its output at the block's first channel, and its partial sums. Rows of 7 outputs
// go in pairs, and an odd last row pairs with the next image's first.
struct ChannelVectorNext {
  const float* band;
  float* y;
  float* sums;
};

// Every output row of one channel block of b: b.weights [in_c][kh][kw][oc_block],
// b.bias [oc_block]; pixel p of a row reads the band at p * pixel_step (1 or 2) from the
// row's first input column. Output (r, ow) of channel o goes to
// b.y[o * b.y_channel_stride + r * y_row + ow * y_step] (y_row = b.out_w, y_step = 1 for a
// plain output; the strided input gradient writes its phases straight into gx). Reads up
// to channel_vector_slack() floats past the band.
void channel_vector_block_avx2(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                               int64_t y_step, const ChannelVectorSums& sums,
                               const ChannelVectorNext* next);
void channel_vector_block_avx512(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                                 int64_t y_step, const ChannelVectorSums& sums,
                                 const ChannelVectorNext* next);
// The kernel of the current SIMD level.
using ChannelVectorKernel = void (*)(const DirectConvBlock&, int64_t, int64_t, int64_t,
                                     const ChannelVectorSums&, const ChannelVectorNext*);
ChannelVectorKernel channel_vector_kernel(SimdLevel level);
// Readable floats needed past a band (its last tile's unused pixels read them) / past a
// block's partial sums.
int64_t channel_vector_slack(int64_t pixel_step, int64_t kw);
int64_t channel_vector_sums_slack(int64_t oc_block);

// Whether the kernel can compute this convolution (dilation 1, horizontal stride 1 or 2,
// not depthwise, kernel no wider than kDirectMaxKernelWidth) / is the faster choice.
bool channel_vector_supported(const ConvGeometry& g, const Conv2dParams& p);
bool channel_vector_preferred(const ConvGeometry& g, const Conv2dParams& p);

// Whether the strided input gradient's phases (conv_direct_polyphase.cpp) take these tiles.
bool channel_vector_polyphase_preferred(const ConvGeometry& g, const Conv2dParams& p);

// The blocked forward, for weights too large to stay in L2 while a band sweeps them:
// tasks of (output-channel blocks, images), each going over the input channels in chunks
// (its images' bands of those channels and one block's packed chunk of weights stay in L2)
// and keeping every block's partial sums between chunks. Ungrouped convolutions only.
struct ChannelVectorPlan {
  int64_t oc_groups = 0;     // the output-channel blocks split into this many groups
  int64_t image_groups = 0;  // the batch split into this many groups
  int64_t chunk = 0;         // input channels per chunk
};
// The plan that reads the least from L3 (the weights once per image group, the input once
// per channel group) with every task's sums, bands and weight chunk in l2_floats and a
// multiple of `threads` tasks; oc_groups == 0 where no plan fits.
ChannelVectorPlan plan_channel_vector_blocks(const ConvGeometry& g, const Conv2dParams& p,
                                             SimdLevel level, int64_t threads, int64_t l2_floats);
// The plan channel_vector_forward takes: oc_groups == 0 where the banded driver is the
// faster choice (weights under half of L2, groups, or no plan fits).
ChannelVectorPlan channel_vector_blocked_choice(const ConvGeometry& g, const Conv2dParams& p);
// As channel_vector_forward, by `plan` (from plan_channel_vector_blocks, or any split for
// tests: oc_groups <= blocks, image_groups <= batch, chunk >= 1).
void channel_vector_forward_blocked(float* y, const float* x, const float* w, const float* bias,
                                    const ConvGeometry& g, const Conv2dParams& p,
                                    const ChannelVectorPlan& plan);

// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, Cin_g, KH, KW], bias: [Cout] or null.
void channel_vector_forward(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p);

}  // namespace msq::cpu
