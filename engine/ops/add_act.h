// A residual sum and its activation in one op: act(a + b) for two tensors of one shape (a
// ResNet block's output plus its shortcut, then ReLU). One pass over memory instead of two
// (the add's output is never written and read back), and only the output kept for the
// ReLU backward.
#pragma once
#include "engine/core/tensor.h"
#include "kernels/op_kinds.h"

namespace msq {

// a, b: the same shape, dtype and device (no broadcasting) -> act(a + b) of that shape.
// Gradients for a and b (both act'(a + b) * g).
Tensor add_act(const Tensor& a, const Tensor& b, FusedAct act);

}  // namespace msq
