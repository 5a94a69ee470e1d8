// Timing GPU work with CUDA events on the default stream, shared by the GPU benchmarks
// (gpu_ops_bench, gpu_models_bench, gpu_statevector_bench). Without CUDA the work still
// runs and the time is 0.
#pragma once
#include <functional>

#ifdef MSQ_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace msq::bench {

// Milliseconds between two events recorded around `work` on the default stream.
inline double time_on_device(const std::function<void()>& work) {
#ifdef MSQ_WITH_CUDA
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  cudaEventRecord(start, 0);
  work();
  cudaEventRecord(stop, 0);
  cudaEventSynchronize(stop);
  float ms = 0;
  cudaEventElapsedTime(&ms, start, stop);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms;
#else
  work();
  return 0;
#endif
}

}  // namespace msq::bench
