// Reductions over any set of dims (empty = all dims), with keepdim.
#pragma once
#include <vector>

#include "engine/core/tensor.h"

namespace msq {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
// Maximum/minimum values; the gradient is split evenly among tied maxima (as torch.amax).
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
// Index of the first maximum along dim (int64, no gradient); over all elements when
// dim is omitted (index into the flattened tensor).
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1, as torch.var).
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction = 1,
           bool keepdim = false);
Tensor var(const Tensor& x);  // over all elements, correction 1

}  // namespace msq
