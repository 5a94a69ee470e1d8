// Batch normalisation, as torch.nn.functional.batch_norm.
#pragma once
#include "engine/core/tensor.h"
#include "kernels/op_kinds.h"

namespace msq {

// x: [B, C, ...] (2-d or more); weight, bias: [C] or undefined (no affine); running_mean,
// running_var: [C] or undefined (no tracking: batch statistics in both modes).
// training: normalise by the batch's mean and biased variance and, when tracked, update
// running = (1 - momentum) * running + momentum * batch (variance unbiased), in place.
// Evaluation: normalise by the running statistics. Gradients for x, weight and bias.
// act: act(batch_norm(x)) in the same kernel (BN + ReLU / SiLU, as the backbones use them):
// one pass over memory instead of two, and one tensor fewer kept for the backward.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum = 0.1, double eps = 1e-5, FusedAct act = FusedAct::None);

}  // namespace msq
