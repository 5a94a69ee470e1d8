// The float32 gradients of narrow convolution outputs with many channels (3x3 s2 512 @ 14
// -> 7: 49 positions per image, 4608 x 512 weights) as one GEMM over the whole batch each.
// Per image (conv.cpp's tiles), the input gradient's GEMM packs all the weights again for an
// inner size of 49, and the weight gradient's reads and writes all of a private gw (9.4 MB)
// whose copies are then summed. Here im2col covers the batch: col [K][B * Ho * Wo], and gy
// is gathered as [Cout][B * Ho * Wo].
#pragma once
#include <cstdint>

#include "kernels/conv_params.h"
#include "kernels/cpu/conv_common.h"

namespace msq::cpu {

// Ungrouped, not 1x1, at most 256 output positions per image and 64 MB of im2col for the
// batch; never under a forced fallback path (the per-image tiles stay testable).
bool whole_batch_gradients_preferred(const ConvGeometry& g, const Conv2dParams& p);

// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, Cin, KH, KW].
void backward_input_whole_batch(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams& p);
// gw: [Cout, Cin, KH, KW] (overwritten), gy: [B, Cout, Ho, Wo], x: [B, Cin, H, W].
void backward_weight_whole_batch(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                                 const Conv2dParams& p);

}  // namespace msq::cpu
