// Matrix products on the BLAS (CPU) or cuBLAS (CUDA).
#pragma once
#include "engine/core/tensor.h"

namespace msq {

// torch.matmul semantics: 1-D operands are promoted and squeezed back; batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
// [B, M, K] @ [B, K, N] -> [B, M, N], no broadcasting.
Tensor bmm(const Tensor& a, const Tensor& b);
// x: [..., in], weight: [out, in], bias: [out] or undefined -> [..., out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace msq
