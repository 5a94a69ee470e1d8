// 2-D convolution over NCHW tensors, as torch.nn.functional.conv2d.
#pragma once
#include <cstdint>

#include "engine/core/tensor.h"

namespace msq {

// A (height, width) pair; one number means both.
struct Size2 {
  int64_t h = 0, w = 0;
  Size2(int64_t v = 0) : h(v), w(v) {}  // NOLINT: Size2 s = 3 reads as (3, 3)
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
};

// x: [B, Cin, H, W], weight: [Cout, Cin / groups, KH, KW], bias: [Cout] or undefined.
// Returns [B, Cout, Ho, Wo] with Ho = (H + 2 pad - dilation (KH - 1) - 1) / stride + 1.
// Gradients for x, weight and bias.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              Size2 stride = 1, Size2 padding = 0, Size2 dilation = 1, int64_t groups = 1);

// One output size of a convolution or pooling window (floor, or ceil as PyTorch's pooling).
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                         bool ceil_mode = false);

}  // namespace msq
