// Parameter initialisers, drawn from the global generator (manual_seed), with PyTorch's
// formulas (torch.nn.init).
#pragma once
#include "engine/core/tensor.h"

namespace msq::nn::init {

// fan_in and fan_out of a weight [out, in, *kernel] (or [out, in]).
int64_t fan_in(const Shape& weight_shape);
int64_t fan_out(const Shape& weight_shape);

// U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = sqrt(2 / (1 + a^2)) (leaky
// ReLU gain; a = sqrt(5) gives PyTorch's default Conv2d/Linear weights).
Tensor kaiming_uniform(const Shape& shape, double a, bool use_fan_out = false,
                       DType dtype = DType::Float32);
// N(0, std^2) with std = sqrt(2 / fan) (a ReLU net, torchvision's ResNet convs use fan_out).
Tensor kaiming_normal(const Shape& shape, bool use_fan_out = true, DType dtype = DType::Float32);
// U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)): PyTorch's default bias of Conv2d and Linear.
Tensor default_bias(const Shape& shape, int64_t fan_in, DType dtype = DType::Float32);

}  // namespace msq::nn::init
