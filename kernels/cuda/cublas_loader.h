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
  std::string library;  // the file that was opened
};

// The loaded library with a handle on the current device, or nullptr when no cuBLAS could
// be opened (then cublas_missing_reason() says why). Loads once; thread-safe.
const Cublas* cublas();
std::string cublas_missing_reason();

// Throws when status != CUBLAS_STATUS_SUCCESS (used through MSQ_CUDA_CHECK).
void check_cuda(cublasStatus_t status, const char* expr, const char* file, int line);

}  // namespace msq::cuda
