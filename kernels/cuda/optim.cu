// Fused optimiser steps on the GPU: one thread per element, the per-element update shared
// with the CPU (kernels/common/optim_math.h).
#include "kernels/common/optim_math.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"

namespace msq {

namespace {

// p, g, m, v: [n] contiguous
template <class T>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, int64_t n, math::AdamScalars s) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    math::adam_update<T>(p[i], g[i], m[i], v[i], s);
  }
}

// p, g, buf: [n] contiguous (buf null when momentum is 0)
template <class T>
__global__ void sgd_kernel(T* p, const T* g, T* buf, int64_t n, double lr, double momentum,
                           double dampening, double weight_decay, bool nesterov, bool first) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    T unused = 0;
    math::sgd_update<T>(p[i], g[i], buf ? buf[i] : unused, lr, momentum, dampening, weight_decay,
                        nesterov, first);
  }
}

}  // namespace

// param, grad, exp_avg, exp_avg_sq: [n] contiguous
void CudaBackend::adam_step(const StridedView& param, const StridedView& grad,
                            const StridedView& exp_avg, const StridedView& exp_avg_sq, double lr,
                            double beta1, double beta2, double eps, double weight_decay,
                            bool decoupled, int64_t step) {
  int64_t n = param.numel();
  if (n == 0) return;
  math::AdamScalars s = math::adam_scalars(lr, beta1, beta2, eps, weight_decay, decoupled, step);
  cuda::dispatch_floating_types(param.dtype, "adam", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    adam_kernel<T><<<cuda::grid_for(n), cuda::kThreads>>>(param.ptr<T>(), grad.ptr<T>(),
                                                          exp_avg.ptr<T>(), exp_avg_sq.ptr<T>(), n, s);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// param, grad, momentum_buffer: [n] contiguous (the buffer unused when momentum is 0)
void CudaBackend::sgd_step(const StridedView& param, const StridedView& grad,
                           const StridedView& momentum_buffer, double lr, double momentum,
                           double dampening, double weight_decay, bool nesterov, bool first) {
  int64_t n = param.numel();
  if (n == 0) return;
  cuda::dispatch_floating_types(param.dtype, "sgd", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    T* buf = momentum_buffer.data ? momentum_buffer.ptr<T>() : nullptr;
    sgd_kernel<T><<<cuda::grid_for(n), cuda::kThreads>>>(param.ptr<T>(), grad.ptr<T>(), buf, n, lr,
                                                         momentum, dampening, weight_decay,
                                                         nesterov, first);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
