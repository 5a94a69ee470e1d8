// float32 <-> bfloat16 casts (bf16_cast.h): grid-stride loops over contiguous arrays.
#include "kernels/common/bf16.h"
#include "kernels/cuda/bf16_cast.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq::cuda {

namespace {

// dst, src: [n]
__global__ void to_bf16_kernel(uint16_t* dst, const float* src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    dst[i] = math::bf16_bits(src[i]);
  }
}

// dst, src: [n]
__global__ void from_bf16_kernel(float* dst, const uint16_t* src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    dst[i] = math::bf16_to_float(src[i]);
  }
}

}  // namespace

void cast_to_bf16(uint16_t* dst, const float* src, int64_t n) {
  if (n <= 0) return;
  to_bf16_kernel<<<grid_for(n), kThreads, 0, cuda::compute_stream()>>>(dst, src, n);
  MSQ_CUDA_CHECK(launch_status());
}

void cast_from_bf16(float* dst, const uint16_t* src, int64_t n) {
  if (n <= 0) return;
  from_bf16_kernel<<<grid_for(n), kThreads, 0, cuda::compute_stream()>>>(dst, src, n);
  MSQ_CUDA_CHECK(launch_status());
}

}  // namespace msq::cuda
