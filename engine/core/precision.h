// bf16 mixed precision on CUDA (msq-train --precision bf16, or MSQ_CUDA_BF16=1).
//
// Tensors stay float32 throughout: the parameters are the fp32 master weights, and the
// optimiser state, activations and gradients are fp32 too. What changes is how the two
// heavy products compute on the GPU:
//  - convolutions through cuDNN: x and w (or gy) rounded to bf16 (round to nearest even,
//    kernels/common/bf16.h) into scratch buffers, cuDNN with bf16 tensors and fp32
//    accumulation (CUDNN_DATA_BFLOAT16 data, CUDNN_DATA_FLOAT compute), the bf16 result
//    widened into the fp32 output; a shape cuDNN has no bf16 algorithm for runs in fp32;
//  - matrix products through cuBLAS (Linear, and the im2col path): both operands rounded
//    to bf16, cublasGemmStridedBatchedEx with fp32 output and CUBLAS_COMPUTE_32F.
// Everything else (batch norm, activations, pooling, losses, optimiser) stays fp32. No
// effect on the CPU or on float64. Errors are bf16's: about 2^-8 relative per operand.
// Unlike PyTorch's autocast the activations are not stored in bf16, so memory traffic does
// not halve; the gain is bf16 tensor-core throughput.
#pragma once

namespace msq {

void set_cuda_bf16(bool on);
bool cuda_bf16();

}  // namespace msq
