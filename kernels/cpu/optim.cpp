// Fused optimiser steps on the CPU: one pass over each parameter.
#include "kernels/common/optim_math.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

// param, grad, exp_avg, exp_avg_sq: [n] contiguous
void CpuBackend::adam_step(const StridedView& param, const StridedView& grad,
                           const StridedView& exp_avg, const StridedView& exp_avg_sq, double lr,
                           double beta1, double beta2, double eps, double weight_decay,
                           bool decoupled, int64_t step) {
  math::AdamScalars s = math::adam_scalars(lr, beta1, beta2, eps, weight_decay, decoupled, step);
  cpu::dispatch_floating_types(param.dtype, "adam", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T *p = param.ptr<T>(), *m = exp_avg.ptr<T>(), *v = exp_avg_sq.ptr<T>();
    const T* g = grad.ptr<T>();
    int64_t n = param.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) math::adam_update<T>(p[i], g[i], m[i], v[i], s);
  });
}

// param, grad, momentum_buffer: [n] contiguous (the buffer unused when momentum is 0)
void CpuBackend::sgd_step(const StridedView& param, const StridedView& grad,
                          const StridedView& momentum_buffer, double lr, double momentum,
                          double dampening, double weight_decay, bool nesterov, bool first) {
  cpu::dispatch_floating_types(param.dtype, "sgd", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* b = momentum_buffer.data ? momentum_buffer.ptr<T>() : nullptr;
    int64_t n = param.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) {
      T unused = 0;
      math::sgd_update<T>(p[i], g[i], b ? b[i] : unused, lr, momentum, dampening, weight_decay,
                          nesterov, first);
    }
  });
}

}  // namespace msq
