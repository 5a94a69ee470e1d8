// The compute stream: where every kernel launch, cuBLAS and cuDNN call and device-to-device
// copy of the CUDA backend goes. By default it is the legacy default stream (0), so eager
// work keeps its ordering with synchronous cudaMemcpy and the copy stream's events
// (README.md). A CUDA-graph capture cannot use the legacy stream: `ComputeStreamScope`
// points the calling thread's compute stream at a created stream for its lifetime (the
// capture, or the eager warm-up before it). Per thread, so a loader thread's work is never
// diverted into another thread's capture.
#pragma once
#include <cuda_runtime.h>

namespace msq::cuda {

cudaStream_t compute_stream();

// True while the calling thread's compute stream is being captured into a graph.
bool compute_stream_capturing();

class ComputeStreamScope {
 public:
  explicit ComputeStreamScope(cudaStream_t stream);
  ~ComputeStreamScope();
  ComputeStreamScope(const ComputeStreamScope&) = delete;
  ComputeStreamScope& operator=(const ComputeStreamScope&) = delete;

 private:
  cudaStream_t previous_;
};

}  // namespace msq::cuda
