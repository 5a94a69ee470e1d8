// Error checks for CUDA runtime and cuBLAS calls. A failed call throws msq::Error with the
// failing expression, the runtime's message and the file and line of the call, e.g.
// "[cuda] cudaMalloc(&p, bytes) failed: out of memory (kernels/cuda/allocator.cu:52)".
// One macro supplies __FILE__/__LINE__ (as llm.c's cudaCheck); everything else is functions.
#pragma once
#include <cuda_runtime.h>

namespace msq::cuda {

// Throws when err != cudaSuccess.
void check_cuda(cudaError_t err, const char* expr, const char* file, int line);
// Throws when status != 0 (CUBLAS_STATUS_SUCCESS); status is a cublasStatus_t.
void check_cublas(int status, const char* expr, const char* file, int line);
// After a kernel launch: a bad launch configuration throws here. With the environment
// variable MSQ_CUDA_SYNC=1 it also waits for the kernel, so an error inside it (an illegal
// address, say) is reported at its own launch instead of at a later synchronisation.
void check_launch(const char* file, int line);

}  // namespace msq::cuda

#define MSQ_CUDA_CHECK(call) ::msq::cuda::check_cuda((call), #call, __FILE__, __LINE__)
#define MSQ_CUDA_CHECK_LAUNCH() ::msq::cuda::check_launch(__FILE__, __LINE__)
#define MSQ_CUBLAS_CHECK(call) ::msq::cuda::check_cublas(static_cast<int>(call), #call, __FILE__, __LINE__)
