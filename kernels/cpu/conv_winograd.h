// Winograd F(2x2, 3x3) float32 convolution on the CPU, for ungrouped 3x3 convolutions of
// stride 1 and dilation 1 (any padding): the forward, the input gradient (itself such a
// convolution of gy, with the kernels flipped and transposed, padded by 2 - pad) and the
// weight gradient.
//
// Every 2x2 block of outputs (a "tile") reads a 4x4 block d of input; with the standard
// matrices (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015)
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1],
// y_tile = A^T [ sum_c (G g_oc G^T) .* (B^T d_c B) ] A, so the sum over input channels is
// 16 independent GEMMs, one per element k of the 4x4 transformed tile:
//   M_k [Cout, tiles] = U_k [Cout, Cin] @ V_k [Cin, tiles],
// with 16 multiplications per tile and channel pair instead of the direct 36 (2.25x fewer).
// The forward GEMMs (and the input gradient's) are msq's row-panel GEMM on AVX-512 with a
// multiple of 8 output channels (gemm_row_panels.h: the weight transform writes its panels
// directly, with AVX2 gathers), else OpenBLAS; the weight gradient's are OpenBLAS's. The
// tile transforms are plain loops over tiles that the compiler vectorises.
//
// Work is split into chunks of whole rows of tiles, counted over the batch (image b's tile
// row r is row b * tile_rows + r), so 7- and 14-wide images still give the GEMMs wide
// operands; a chunk's V and M stay in the core's cache between the transforms and GEMMs.
#pragma once
#include "kernels/cpu/conv_common.h"

namespace msq::cpu {

// Whether the kernels apply (3x3, stride 1, dilation 1, groups 1) / are the faster choice
// (see conv_winograd.cpp for the measured rule; MSQ_CONV_PATH=winograd forces them).
bool winograd_supported(const ConvGeometry& g, const Conv2dParams& p);
bool winograd_preferred(const ConvGeometry& g, const Conv2dParams& p);
// The input gradient's transposed convolution needs pad <= 2 on both axes too.
bool winograd_backward_input_preferred(const ConvGeometry& g, const Conv2dParams& p);

// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, Cin, 3, 3], bias: [Cout] or null.
void winograd_forward(float* y, const float* x, const float* w, const float* bias,
                      const ConvGeometry& g, const Conv2dParams& p);
// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, Cin, 3, 3].
void winograd_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                             const Conv2dParams& p);
// The weight gradient (where winograd_preferred): the transpose of the forward's algorithm,
// gw = G^T [sum over tiles of (A gy_tile A^T) .* (B^T d B)] G, the sum again 16 GEMMs.
// gw: [Cout, Cin, 3, 3] (overwritten), gy: [B, Cout, Ho, Wo], x: [B, Cin, H, W].
void winograd_backward_weight(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                              const Conv2dParams& p);

// Ungrouped 3x3 convolutions of stride 2, padding 1, dilation 1 by their stride phases
// (conv_winograd_stride2.cpp): 25 products per 2x2 output tile (forward, weight gradient) or
// per 4x4 block of gx (input gradient) and channel pair instead of 36.
bool winograd_s2_supported(const ConvGeometry& g, const Conv2dParams& p);
// Whether the automatic choice (or MSQ_CONV_PATH) takes them for the forward / for both
// gradients.
bool winograd_s2_forward_preferred(const ConvGeometry& g, const Conv2dParams& p);
bool winograd_s2_backward_preferred(const ConvGeometry& g, const Conv2dParams& p);
// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, Cin, 3, 3], bias: [Cout] or null.
void winograd_s2_forward(float* y, const float* x, const float* w, const float* bias,
                         const ConvGeometry& g, const Conv2dParams& p);
// The transpose of that forward. gw: [Cout, Cin, 3, 3] (overwritten), gy: [B, Cout, Ho, Wo],
// x: [B, Cin, H, W].
void winograd_s2_backward_weight(float* gw, const float* gy, const float* x,
                                 const ConvGeometry& g, const Conv2dParams& p);
// gx by its four stride phases. gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w:
// [Cout, Cin, 3, 3].
void winograd_s2_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p);

}  // namespace msq::cpu
