// Counter-based random numbers on the GPU: element i draws Philox(seed, offset + i) through
// kernels/common/philox.h, so a seed gives the CPU's numbers.
#include "kernels/common/philox.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

// out: [n] contiguous; uniform in [low, high)
template <class T>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, double low,
                               double high) {
  double span = high - low;
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    T v = static_cast<T>(low + span * philox::uniform(seed, offset + static_cast<uint64_t>(i)));
    out[i] = v < static_cast<T>(high) ? v : static_cast<T>(low);  // keep [low, high) after rounding
  }
}

// out: [n] contiguous; normal(mean, stddev)
template <class T>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, double mean,
                              double stddev) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    out[i] = static_cast<T>(mean + stddev * philox::normal(seed, offset + static_cast<uint64_t>(i)));
  }
}

}  // namespace

// out: contiguous floating
void CudaBackend::random_uniform(const StridedView& out, uint64_t seed, uint64_t offset,
                                 double low, double high) {
  int64_t n = out.numel();
  if (n == 0) return;
  cuda::dispatch_floating_types(out.dtype, "uniform", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    uniform_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(out.ptr<T>(), n, seed, offset, low, high);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// out: contiguous floating
void CudaBackend::random_normal(const StridedView& out, uint64_t seed, uint64_t offset,
                                double mean, double stddev) {
  int64_t n = out.numel();
  if (n == 0) return;
  cuda::dispatch_floating_types(out.dtype, "normal", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    normal_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(out.ptr<T>(), n, seed, offset, mean, stddev);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
