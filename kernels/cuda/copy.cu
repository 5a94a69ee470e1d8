// Copies (with dtype conversion), fills and ranges on the GPU.
#include <cstring>
#include <type_traits>

#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/graph_upload.h"
#include "kernels/cuda/strided_loop.cuh"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

template <class To, class From>
__host__ __device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From(0);
  else return static_cast<To>(v);
}

// dst[off0] = convert(src[off1])
template <class To, class From>
struct CastCopy {
  To* dst;
  const From* src;
  __device__ void operator()(const int64_t* off) const { dst[off[0]] = convert<To>(src[off[1]]); }
};

// dst[off0] = value
template <class T>
struct Fill {
  T* dst;
  T value;
  __device__ void operator()(const int64_t* off) const { dst[off[0]] = value; }
};

// out: [n] contiguous; out[i] = start + i * step
template <class T>
__global__ void arange_kernel(T* out, int64_t n, double start, double step) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    out[i] = static_cast<T>(start + static_cast<double>(i) * step);
  }
}

}  // namespace

// dst: any strides, src: same shape, any strides and dtype
void CudaBackend::copy(const StridedView& dst, const StridedView& src) {
  int64_t n = dst.numel();
  if (n == 0) return;
  if (dst.dtype == src.dtype && dst.is_contiguous() && src.is_contiguous()) {
    if (dst.data == src.data) return;
    MSQ_CUDA_CHECK(cudaMemcpyAsync(dst.data, src.data, static_cast<size_t>(n) * dtype_size(dst.dtype),
                                   cudaMemcpyDeviceToDevice, cuda::compute_stream()));
    return;
  }
  cuda::dispatch_all_types(dst.dtype, "copy", [&](auto dt) {
    using To = cuda::tag_type<decltype(dt)>;
    cuda::dispatch_all_types(src.dtype, "copy", [&](auto st) {
      using From = cuda::tag_type<decltype(st)>;
      cuda::launch_elementwise<2>({&dst, &src}, CastCopy<To, From>{dst.ptr<To>(), src.ptr<From>()});
    });
  });
}

void CudaBackend::copy_from_host(void* dst, const void* src_host, size_t bytes) {
  if (bytes) MSQ_CUDA_CHECK(cudaMemcpy(dst, src_host, bytes, cudaMemcpyHostToDevice));
}

// dst: [bytes] on the device; queued on the compute stream as kernel arguments
void CudaBackend::write_from_host(void* dst, const void* src_host, size_t bytes) {
  cuda::upload_as_arguments(dst, src_host, bytes);
}

void CudaBackend::copy_to_host(void* dst_host, const void* src, size_t bytes) {
  if (bytes) MSQ_CUDA_CHECK(cudaMemcpy(dst_host, src, bytes, cudaMemcpyDeviceToHost));
}

// dst: any strides
void CudaBackend::fill(const StridedView& dst, double value) {
  cuda::dispatch_all_types(dst.dtype, "fill", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    cuda::launch_elementwise<1>({&dst}, Fill<T>{dst.ptr<T>(), convert<T>(value)});
  });
}

// out: [n] contiguous
void CudaBackend::arange(const StridedView& out, double start, double step) {
  int64_t n = out.numel();
  if (n == 0) return;
  cuda::dispatch_numeric_types(out.dtype, "arange", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    arange_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(out.ptr<T>(), n, start, step);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
