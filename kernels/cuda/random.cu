// Counter-based random numbers on the GPU: element i draws Philox(seed, base + offset + i)
// through kernels/common/philox.h, so a seed gives the CPU's numbers. base is read from
// device memory by the kernel (0 without one): a replayed CUDA graph draws fresh numbers.
#include "kernels/common/philox.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

// base: [1] or null
__device__ uint64_t first_counter(const int64_t* base, uint64_t offset) {
  return base ? static_cast<uint64_t>(*base) + offset : offset;
}

// out: [n] contiguous; uniform in [low, high)
template <class T>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, const int64_t* base,
                               uint64_t offset, double low, double high) {
  offset = first_counter(base, offset);
  double span = high - low;
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    T v = static_cast<T>(low + span * philox::uniform(seed, offset + static_cast<uint64_t>(i)));
    out[i] = v < static_cast<T>(high) ? v : static_cast<T>(low);  // keep [low, high) after rounding
  }
}

// out: [n] contiguous; normal(mean, stddev)
template <class T>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, const int64_t* base,
                              uint64_t offset, double mean, double stddev) {
  offset = first_counter(base, offset);
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    out[i] = static_cast<T>(mean + stddev * philox::normal(seed, offset + static_cast<uint64_t>(i)));
  }
}

// base_offset: int64 [1] on the device, or data == nullptr
const int64_t* base_pointer(const StridedView& base_offset, const char* op) {
  if (!base_offset.data) return nullptr;
  check(base_offset.dtype == DType::Int64 && base_offset.numel() == 1, op,
        "the base offset must be int64 [1]");
  return base_offset.ptr<int64_t>();
}

}  // namespace

// out: contiguous floating
void CudaBackend::random_uniform(const StridedView& out, uint64_t seed, uint64_t offset,
                                 const StridedView& base_offset, double low, double high) {
  int64_t n = out.numel();
  if (n == 0) return;
  const int64_t* base = base_pointer(base_offset, "uniform");
  cuda::dispatch_floating_types(out.dtype, "uniform", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    uniform_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(out.ptr<T>(), n, seed, base, offset, low,
                                                                                         high);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// out: contiguous floating
void CudaBackend::random_normal(const StridedView& out, uint64_t seed, uint64_t offset,
                                const StridedView& base_offset, double mean, double stddev) {
  int64_t n = out.numel();
  if (n == 0) return;
  const int64_t* base = base_pointer(base_offset, "normal");
  cuda::dispatch_floating_types(out.dtype, "normal", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    normal_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(out.ptr<T>(), n, seed, base, offset, mean,
                                                                                        stddev);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
