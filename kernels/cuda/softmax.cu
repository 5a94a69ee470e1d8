// Softmax, log-softmax, their gradients and the negative log-likelihood on the GPU.
// Softmax over the middle dim of a contiguous [outer, n, inner]:
//  - inner == 1: one block per row, block reductions for the max and the sum;
//  - inner > 1: one thread per (outer, inner) lane walking the n entries (neighbouring
//    threads read neighbouring addresses).
// Sums accumulate in double, as the CPU backend.
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

struct MaxOf {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const { return b > a ? b : a; }
};
struct SumOf {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};

unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>(rows < (int64_t(1) << 30) ? rows : (int64_t(1) << 30));
}

// y, x: [outer, n] contiguous; one block per row
template <class T, bool Log>
__global__ void softmax_rows_kernel(T* y, const T* x, int64_t outer, int64_t n) {
  __shared__ T max_scratch[32];
  __shared__ double sum_scratch[32];
  for (int64_t o = blockIdx.x; o < outer; o += gridDim.x) {
    const T* xr = x + o * n;
    T* yr = y + o * n;
    T mx = xr[0];
    for (int64_t r = threadIdx.x; r < n; r += blockDim.x) mx = MaxOf()(mx, xr[r]);
    mx = cuda::block_reduce(mx, MaxOf(), max_scratch);
    double total = 0;
    for (int64_t r = threadIdx.x; r < n; r += blockDim.x) total += static_cast<double>(exp(xr[r] - mx));
    total = cuda::block_reduce(total, SumOf(), sum_scratch);
    if (Log) {
      T lse = static_cast<T>(log(total)) + mx;
      for (int64_t r = threadIdx.x; r < n; r += blockDim.x) yr[r] = xr[r] - lse;
    } else {
      T inv = static_cast<T>(1.0 / total);
      for (int64_t r = threadIdx.x; r < n; r += blockDim.x) yr[r] = exp(xr[r] - mx) * inv;
    }
  }
}

// y, x: [outer, n, inner] contiguous; one thread per (outer, inner) lane
template <class T, bool Log>
__global__ void softmax_lanes_kernel(T* y, const T* x, int64_t outer, int64_t n, int64_t inner) {
  int64_t lanes = outer * inner, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t lane = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; lane < lanes;
       lane += stride) {
    int64_t base = (lane / inner) * n * inner + lane % inner;
    const T* xi = x + base;
    T* yi = y + base;
    T mx = xi[0];
    for (int64_t r = 1; r < n; ++r) mx = MaxOf()(mx, xi[r * inner]);
    double total = 0;
    for (int64_t r = 0; r < n; ++r) total += static_cast<double>(exp(xi[r * inner] - mx));
    if (Log) {
      T lse = static_cast<T>(log(total)) + mx;
      for (int64_t r = 0; r < n; ++r) yi[r * inner] = xi[r * inner] - lse;
    } else {
      T inv = static_cast<T>(1.0 / total);
      for (int64_t r = 0; r < n; ++r) yi[r * inner] = exp(xi[r * inner] - mx) * inv;
    }
  }
}

// gx, g, y: [outer, n] contiguous; one block per row.
// Log: gx = g - exp(y) * sum(g); else gx = y * (g - sum(g * y)).
template <class T, bool Log>
__global__ void softmax_grad_rows_kernel(T* gx, const T* g, const T* y, int64_t outer, int64_t n) {
  __shared__ double scratch[32];
  for (int64_t o = blockIdx.x; o < outer; o += gridDim.x) {
    const T *gr = g + o * n, *yr = y + o * n;
    T* out = gx + o * n;
    double s = 0;
    for (int64_t r = threadIdx.x; r < n; r += blockDim.x) {
      s += Log ? static_cast<double>(gr[r]) : static_cast<double>(gr[r]) * yr[r];
    }
    T st = static_cast<T>(cuda::block_reduce(s, SumOf(), scratch));
    for (int64_t r = threadIdx.x; r < n; r += blockDim.x) {
      out[r] = Log ? gr[r] - exp(yr[r]) * st : yr[r] * (gr[r] - st);
    }
  }
}

// gx, g, y: [outer, n, inner] contiguous; one thread per lane
template <class T, bool Log>
__global__ void softmax_grad_lanes_kernel(T* gx, const T* g, const T* y, int64_t outer, int64_t n,
                                          int64_t inner) {
  int64_t lanes = outer * inner, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t lane = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; lane < lanes;
       lane += stride) {
    int64_t base = (lane / inner) * n * inner + lane % inner;
    const T *gi = g + base, *yi = y + base;
    T* out = gx + base;
    double s = 0;
    for (int64_t r = 0; r < n; ++r) {
      s += Log ? static_cast<double>(gi[r * inner]) : static_cast<double>(gi[r * inner]) * yi[r * inner];
    }
    T st = static_cast<T>(s);
    for (int64_t r = 0; r < n; ++r) {
      out[r * inner] = Log ? gi[r * inner] - exp(yi[r * inner]) * st : yi[r * inner] * (gi[r * inner] - st);
    }
  }
}

// loss, wsum: [N]; logp: [N, C] contiguous; target: int64 [N] (stride ts); weight: [C] or null
template <class T>
__global__ void nll_forward_kernel(T* loss, T* wsum, const T* logp, const int64_t* target,
                                   int64_t ts, const T* weight, int64_t ws, int64_t n, int64_t c,
                                   int64_t ignore_index) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    int64_t t = target[i * ts];
    if (t == ignore_index) {
      loss[i] = T(0);
      wsum[i] = T(0);
      continue;
    }
    if (t < 0 || t >= c) {  // not a class index (the front-end's host check skipped in a capture)
      loss[i] = wsum[i] = T(NAN);
      continue;
    }
    T w = weight ? weight[t * ws] : T(1);
    loss[i] = -w * logp[i * c + t];
    wsum[i] = w;
  }
}

// glogp: [N, C] contiguous, zeroed; g: [N] contiguous; target: int64 [N]; weight: [C] or null
template <class T>
__global__ void nll_backward_kernel(T* glogp, const T* g, const int64_t* target, int64_t ts,
                                    const T* weight, int64_t ws, int64_t n, int64_t c,
                                    int64_t ignore_index) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    int64_t t = target[i * ts];
    if (t == ignore_index || t < 0 || t >= c) continue;
    T w = weight ? weight[t * ws] : T(1);
    glogp[i * c + t] = -g[i] * w;
  }
}

}  // namespace

// y, x: [outer, n, inner] contiguous; softmax over n
void CudaBackend::softmax(const StridedView& y, const StridedView& x, int64_t outer, int64_t n,
                          int64_t inner, bool log) {
  if (outer * n * inner == 0) return;
  cuda::dispatch_floating_types(x.dtype, "softmax", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    T* yp = y.ptr<T>();
    const T* xp = x.ptr<T>();
    if (inner == 1) {
      int threads = cuda::threads_for_row(n, 32, 512);
      if (log) softmax_rows_kernel<T, true><<<row_blocks(outer), threads, 0, cuda::compute_stream()>>>(yp, xp, outer, n);
      else softmax_rows_kernel<T, false><<<row_blocks(outer), threads, 0, cuda::compute_stream()>>>(yp, xp, outer, n);
    } else {
      unsigned blocks = cuda::grid_for(outer * inner);
      if (log) softmax_lanes_kernel<T, true><<<blocks, cuda::kThreads, 0, cuda::compute_stream()>>>(yp, xp, outer, n, inner);
      else softmax_lanes_kernel<T, false><<<blocks, cuda::kThreads, 0, cuda::compute_stream()>>>(yp, xp, outer, n, inner);
    }
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// gx, g, y: [outer, n, inner] contiguous
void CudaBackend::softmax_grad(const StridedView& gx, const StridedView& g, const StridedView& y,
                               int64_t outer, int64_t n, int64_t inner, bool log) {
  if (outer * n * inner == 0) return;
  cuda::dispatch_floating_types(y.dtype, "softmax_grad", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    T* o = gx.ptr<T>();
    const T *gp = g.ptr<T>(), *yp = y.ptr<T>();
    if (inner == 1) {
      int threads = cuda::threads_for_row(n, 32, 512);
      if (log) softmax_grad_rows_kernel<T, true><<<row_blocks(outer), threads, 0, cuda::compute_stream()>>>(o, gp, yp, outer, n);
      else softmax_grad_rows_kernel<T, false><<<row_blocks(outer), threads, 0, cuda::compute_stream()>>>(o, gp, yp, outer, n);
    } else {
      unsigned blocks = cuda::grid_for(outer * inner);
      if (log) softmax_grad_lanes_kernel<T, true><<<blocks, cuda::kThreads, 0, cuda::compute_stream()>>>(o, gp, yp, outer, n, inner);
      else softmax_grad_lanes_kernel<T, false><<<blocks, cuda::kThreads, 0, cuda::compute_stream()>>>(o, gp, yp, outer, n, inner);
    }
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// loss, wsum: [N]; logp: [N, C] contiguous; target: int64 [N]; weight: [C] or null
void CudaBackend::nll_forward(const StridedView& loss, const StridedView& wsum,
                              const StridedView& logp, const StridedView& target,
                              const StridedView& weight, int64_t ignore_index) {
  int64_t n = logp.shape[0], c = logp.shape[1];
  if (n == 0) return;
  cuda::dispatch_floating_types(logp.dtype, "nll_loss", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    const T* w = weight.data ? weight.ptr<T>() : nullptr;
    int64_t ws = weight.data && weight.ndim > 0 ? weight.strides[0] : 1;
    int64_t ts = target.ndim > 0 ? target.strides[0] : 1;
    nll_forward_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(
        loss.ptr<T>(), wsum.ptr<T>(), logp.ptr<T>(), target.ptr<int64_t>(), ts, w, ws, n, c,
        ignore_index);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// glogp: [N, C] contiguous; g: [N] contiguous; target: int64 [N]; weight: [C] or null
void CudaBackend::nll_backward(const StridedView& glogp, const StridedView& g,
                               const StridedView& target, const StridedView& weight,
                               int64_t ignore_index) {
  int64_t n = glogp.shape[0], c = glogp.shape[1];
  if (n * c == 0) return;
  cuda::dispatch_floating_types(glogp.dtype, "nll_loss", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    MSQ_CUDA_CHECK(cudaMemsetAsync(glogp.data, 0, static_cast<size_t>(n * c) * sizeof(T), 0));
    const T* w = weight.data ? weight.ptr<T>() : nullptr;
    int64_t ws = weight.data && weight.ndim > 0 ? weight.strides[0] : 1;
    int64_t ts = target.ndim > 0 ? target.strides[0] : 1;
    nll_backward_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(
        glogp.ptr<T>(), g.ptr<T>(), target.ptr<int64_t>(), ts, w, ws, n, c, ignore_index);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
