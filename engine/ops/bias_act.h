// A layer's bias add and activation in one op: act(x + bias) with bias broadcast over dim 1
// (a Linear's [B, out] output, a convolution's [B, C, H, W]). One pass over memory instead
// of two, and only x kept for the backward.
#pragma once
#include "engine/core/tensor.h"
#include "kernels/op_kinds.h"

namespace msq {

// x: [B, C, ...] (2-d or more), bias: [C] -> [B, C, ...]. Gradients for x and bias.
Tensor bias_act(const Tensor& x, const Tensor& bias, FusedAct act);

}  // namespace msq
