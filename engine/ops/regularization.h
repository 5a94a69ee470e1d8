// Stochastic depth and zero padding for the CNN backbones.
#pragma once
#include "engine/core/tensor.h"

namespace msq {

// Stochastic depth ("row" mode, as torchvision.ops.stochastic_depth): in training, each
// sample of the batch (dim 0) is zeroed with probability p and the rest scaled by
// 1 / (1 - p); the mask comes from the global generator. The identity in evaluation.
Tensor drop_path(const Tensor& x, double p, bool training);

// Pads the last two dims of x: [..., H, W] with `value`: left/right on W, top/bottom on H
// (non-negative), as F.pad(x, (left, right, top, bottom), value=value).
Tensor pad2d(const Tensor& x, int64_t left, int64_t right, int64_t top, int64_t bottom,
             double value = 0.0);

}  // namespace msq
