// cuBLAS, opened at run time. msq links cudart statically so its binaries run where only the
// NVIDIA driver is installed; cuBLAS comes from the machine if it has it (libcublas.so.13,
// or .so.12 such as PyTorch's wheels ship: the few entry points used here have the same
// signatures in both). Without it, GEMM falls back to msq's own kernel (gemm.cu); setting
// MSQ_DISABLE_CUBLAS=1 forces that fallback.
#pragma once
#include <cublas_v2.h>

#include <string>

namespace msq::cuda {

struct Cublas {
  cublasHandle_t handle = nullptr;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched = nullptr;
  decltype(&cublasDgemmStridedBatched) dgemm_strided_batched = nullptr;
  decltype(&cublasGetStatusString) status_string = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;  // the compute stream (stream.h), per call
  // Mixed-precision products (bf16 operands, fp32 output; engine/core/precision.h): the C
  // entry point cublasGemmStridedBatchedEx (spelled out: C++ adds an overload, so decltype
  // would be ambiguous). Null when the library lacks it: bf16 mode then computes in fp32.
  using GemmStridedBatchedEx = cublasStatus_t (*)(
      cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
      const void*, cudaDataType, int, long long, const void*, cudaDataType, int, long long,
      const void*, void*, cudaDataType, int, long long, int, cublasComputeType_t, cublasGemmAlgo_t);
  GemmStridedBatchedEx gemm_strided_batched_ex = nullptr;
  std::string library;  // the file that was opened
};

// The loaded library with a handle on the current device, or nullptr when no cuBLAS could
// be opened (then cublas_missing_reason() says why). Loads once; thread-safe.
const Cublas* cublas();
std::string cublas_missing_reason();

// Throws when status != CUBLAS_STATUS_SUCCESS (used through MSQ_CUDA_CHECK).
void check_cuda(cublasStatus_t status, const char* expr, const char* file, int line);

}  // namespace msq::cuda
