// Fused optimiser steps on the GPU: one thread per element, the per-element update shared
// with the CPU (kernels/common/optim_math.h). The *_multi methods run a whole list of
// tensors in one launch (kernels/cuda/multi_tensor.cuh), zeroing gradients included.
#include "kernels/common/optim_math.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/multi_tensor.cuh"
#include "kernels/cuda/stream.h"

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

// One tensor of a multi-tensor Adam step: p, g, m, v: [n]; s from its own step number, or
// (staged form) its per-step values from staged: [3] in device memory, read as it runs.
template <class T>
struct AdamEntry {
  T* p;
  const T* g;
  T* m;
  T* v;
  int64_t n;
  math::AdamScalars s;
  const double* staged;  // null: the plain form
};

template <class T>
struct AdamElement {
  __device__ void operator()(const AdamEntry<T>& e, int64_t i) const {
    const math::AdamScalars s = e.staged ? math::with_staged(e.s, e.staged) : e.s;
    math::adam_update<T>(e.p[i], e.g[i], e.m[i], e.v[i], s);
  }
};

// One tensor of a multi-tensor SGD step: p, g, buf: [n] (buf null when momentum is 0);
// staged_lr: [1] in device memory, the learning rate read as it runs (null: the argument).
template <class T>
struct SgdEntry {
  T* p;
  const T* g;
  T* buf;
  int64_t n;
  bool first;
  const double* staged_lr;
};

template <class T>
struct SgdElement {
  double lr, momentum, dampening, weight_decay;
  bool nesterov;
  __device__ void operator()(const SgdEntry<T>& e, int64_t i) const {
    T unused = 0;
    math::sgd_update<T>(e.p[i], e.g[i], e.buf ? e.buf[i] : unused, e.staged_lr ? *e.staged_lr : lr,
                        momentum, dampening, weight_decay, nesterov, e.first);
  }
};

// One view of a multi-tensor fill: x: [n].
template <class T>
struct FillEntry {
  T* x;
  int64_t n;
};

template <class T>
struct FillElement {
  T value;
  __device__ void operator()(const FillEntry<T>& e, int64_t i) const { e.x[i] = value; }
};

// The list's one dtype (the first view's); fails naming `op` when a view differs or is
// not contiguous.
DType common_dtype(const std::vector<const StridedView*>& views, const char* op) {
  DType dtype = views.front()->dtype;
  for (const StridedView* v : views) {
    check(v->dtype == dtype, op, "tensors of one call must share a dtype, got ",
          dtype_name(dtype), " and ", dtype_name(v->dtype));
    check(v->is_contiguous(), op, "tensors must be contiguous");
  }
  return dtype;
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
    adam_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(param.ptr<T>(), grad.ptr<T>(),
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
    sgd_kernel<T><<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(param.ptr<T>(), grad.ptr<T>(), buf, n, lr,
                                                         momentum, dampening, weight_decay,
                                                         nesterov, first);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

// tensors[k]: param, grad, exp_avg, exp_avg_sq: [n_k] contiguous, one dtype; staged:
// float64 [3] on the device or null
void CudaBackend::adam_step_multi(const std::vector<AdamOperands>& tensors, double lr,
                                  double beta1, double beta2, double eps, double weight_decay,
                                  bool decoupled) {
  if (tensors.empty()) return;
  std::vector<const StridedView*> views;
  for (const AdamOperands& t : tensors) {
    for (const StridedView* v : {&t.param, &t.grad, &t.exp_avg, &t.exp_avg_sq}) views.push_back(v);
  }
  DType dtype = common_dtype(views, "adam");
  cuda::dispatch_floating_types(dtype, "adam", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    std::vector<AdamEntry<T>> entries;
    for (const AdamOperands& t : tensors) {
      int64_t n = t.param.numel();
      if (n == 0) continue;
      check(!t.staged.data || (t.staged.dtype == DType::Float64 &&
                               t.staged.numel() == math::kAdamStagedValues),
            "adam", "staged scalars must be float64 [", math::kAdamStagedValues, "]");
      entries.push_back({t.param.ptr<T>(), t.grad.ptr<T>(), t.exp_avg.ptr<T>(),
                         t.exp_avg_sq.ptr<T>(), n,
                         math::adam_scalars(lr, beta1, beta2, eps, weight_decay, decoupled,
                                            t.step),
                         t.staged.data ? t.staged.ptr<double>() : nullptr});
    }
    cuda::launch_multi_tensor(entries, AdamElement<T>{});
  });
}

// tensors[k]: param, grad, momentum_buffer: [n_k] contiguous, one dtype; staged_lr: float64
// [1] on the device or null
void CudaBackend::sgd_step_multi(const std::vector<SgdOperands>& tensors, double lr,
                                 double momentum, double dampening, double weight_decay,
                                 bool nesterov) {
  if (tensors.empty()) return;
  std::vector<const StridedView*> views;
  for (const SgdOperands& t : tensors) {
    views.push_back(&t.param);
    views.push_back(&t.grad);
    if (t.momentum_buffer.data) views.push_back(&t.momentum_buffer);
  }
  DType dtype = common_dtype(views, "sgd");
  cuda::dispatch_floating_types(dtype, "sgd", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    std::vector<SgdEntry<T>> entries;
    for (const SgdOperands& t : tensors) {
      int64_t n = t.param.numel();
      if (n == 0) continue;
      T* buf = t.momentum_buffer.data ? t.momentum_buffer.ptr<T>() : nullptr;
      check(!t.staged_lr.data || (t.staged_lr.dtype == DType::Float64 && t.staged_lr.numel() == 1),
            "sgd", "a staged learning rate must be float64 [1]");
      entries.push_back({t.param.ptr<T>(), t.grad.ptr<T>(), buf, n, t.first,
                         t.staged_lr.data ? t.staged_lr.ptr<double>() : nullptr});
    }
    cuda::launch_multi_tensor(entries,
                              SgdElement<T>{lr, momentum, dampening, weight_decay, nesterov});
  });
}

// dsts[k]: [n_k] contiguous, one floating dtype
void CudaBackend::fill_multi(const std::vector<StridedView>& dsts, double value) {
  if (dsts.empty()) return;
  std::vector<const StridedView*> views;
  for (const StridedView& d : dsts) views.push_back(&d);
  DType dtype = common_dtype(views, "fill");
  cuda::dispatch_floating_types(dtype, "fill", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    std::vector<FillEntry<T>> entries;
    for (const StridedView& d : dsts) {
      int64_t n = d.numel();
      if (n > 0) entries.push_back({d.ptr<T>(), n});
    }
    cuda::launch_multi_tensor(entries, FillElement<T>{static_cast<T>(value)});
  });
}

}  // namespace msq
