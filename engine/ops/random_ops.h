// Ops that draw random numbers from the global generator (rng.h).
#pragma once
#include "engine/core/tensor.h"

namespace msq {

// Inverted dropout: in training, zeroes each element with probability p and scales the rest
// by 1 / (1 - p); in evaluation, the identity.
Tensor dropout(const Tensor& x, double p, bool training);
// A Bool mask, true with probability p.
Tensor bernoulli_mask(const Shape& shape, double p, Device device = Device::cpu());

}  // namespace msq
