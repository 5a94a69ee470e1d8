// 2-D pooling over NCHW tensors, as torch.nn.functional's max_pool2d, avg_pool2d and
// adaptive_avg_pool2d. Dilation is 1.
#pragma once
#include "engine/core/tensor.h"
#include "engine/ops/conv.h"

namespace msq {

// x: [B, C, H, W] -> [B, C, Ho, Wo]. stride 0 means stride = kernel (PyTorch's default).
// Padding is at most half the kernel; padded positions never win.
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0,
                  bool ceil_mode = false);
// Averages over the window; count_include_pad counts the zero padding in the divisor;
// divisor_override > 0 replaces the divisor.
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  int64_t divisor_override = 0);
// x: [B, C, H, W] -> [B, C, output.h, output.w], bins as PyTorch.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output);
// The mean over H and W: [B, C, H, W] -> [B, C, 1, 1] (adaptive_avg_pool2d(x, 1)).
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace msq
