// Error checks for CUDA runtime and cuBLAS calls. A failed call throws msq::Error with the
// failing expression, the runtime's message and the file and line of the call, e.g.
// "[cuda] cudaMalloc(&p, bytes) failed: out of memory (kernels/cuda/allocator.cu:52)".
// One macro supplies __FILE__/__LINE__ (as llm.c's cudaCheck); everything else is functions.
// cuBLAS statuses go through the same macro (overload in cublas_loader.h).
#pragma once
#include <cuda_runtime.h>

namespace msq::cuda {

// Throws when err != cudaSuccess.
void check_cuda(cudaError_t err, const char* expr, const char* file, int line);
// After kernel launches: the launch error, if any; with the environment variable
// MSQ_CUDA_SYNC=1 it also waits for the kernel, so an error inside it (an illegal address,
// say) is reported at its own launch instead of at a later synchronisation.
cudaError_t launch_status();

}  // namespace msq::cuda

#define MSQ_CUDA_CHECK(call) ::msq::cuda::check_cuda((call), #call, __FILE__, __LINE__)
