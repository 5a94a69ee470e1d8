// The calling thread's compute stream (stream.h).
#include "kernels/cuda/stream.h"

namespace msq::cuda {

namespace {
thread_local cudaStream_t current = nullptr;  // the legacy default stream
}  // namespace

cudaStream_t compute_stream() { return current; }

bool compute_stream_capturing() {
  if (current == nullptr) return false;  // the legacy stream is never captured
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(current, &status) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return status == cudaStreamCaptureStatusActive;
}

ComputeStreamScope::ComputeStreamScope(cudaStream_t stream) : previous_(current) {
  current = stream;
}

ComputeStreamScope::~ComputeStreamScope() { current = previous_; }

}  // namespace msq::cuda
