// Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_.
#pragma once
#include <vector>

#include "engine/core/tensor.h"

namespace msq::nn {

// The norm (p = norm_type, infinity for the max norm) of all the parameters' gradients
// together; when it exceeds max_norm, every gradient is scaled in place by
// max_norm / (norm + 1e-6). Parameters without a gradient are skipped. Returns the norm
// before clipping.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

}  // namespace msq::nn
