// Fused optimiser steps on the CPU: one pass over each parameter. The multi-tensor methods
// take both forms of the scalars (kernels/optim_operands.h): the plain one from the
// arguments, the staged one read from the (host) memory the optimiser staged them in.
#include "kernels/common/optim_math.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

namespace {

// param, grad, exp_avg, exp_avg_sq: [n] contiguous
void adam_tensor(const StridedView& param, const StridedView& grad, const StridedView& exp_avg,
                 const StridedView& exp_avg_sq, const math::AdamScalars& s) {
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
void sgd_tensor(const StridedView& param, const StridedView& grad,
                const StridedView& momentum_buffer, double lr, double momentum, double dampening,
                double weight_decay, bool nesterov, bool first) {
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

}  // namespace

void CpuBackend::adam_step(const StridedView& param, const StridedView& grad,
                           const StridedView& exp_avg, const StridedView& exp_avg_sq, double lr,
                           double beta1, double beta2, double eps, double weight_decay,
                           bool decoupled, int64_t step) {
  adam_tensor(param, grad, exp_avg, exp_avg_sq,
              math::adam_scalars(lr, beta1, beta2, eps, weight_decay, decoupled, step));
}

void CpuBackend::sgd_step(const StridedView& param, const StridedView& grad,
                          const StridedView& momentum_buffer, double lr, double momentum,
                          double dampening, double weight_decay, bool nesterov, bool first) {
  sgd_tensor(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, first);
}

// tensors[k]: param, grad, exp_avg, exp_avg_sq: [n_k] contiguous; staged: float64 [3] or null
void CpuBackend::adam_step_multi(const std::vector<AdamOperands>& tensors, double lr,
                                 double beta1, double beta2, double eps, double weight_decay,
                                 bool decoupled) {
  for (const AdamOperands& t : tensors) {
    math::AdamScalars s = math::adam_scalars(lr, beta1, beta2, eps, weight_decay, decoupled, t.step);
    if (t.staged.data) {
      check(t.staged.dtype == DType::Float64 && t.staged.numel() == math::kAdamStagedValues,
            "adam", "staged scalars must be float64 [", math::kAdamStagedValues, "]");
      s = math::with_staged(s, t.staged.ptr<double>());
    }
    adam_tensor(t.param, t.grad, t.exp_avg, t.exp_avg_sq, s);
  }
}

// tensors[k]: param, grad, momentum_buffer: [n_k] contiguous; staged_lr: float64 [1] or null
void CpuBackend::sgd_step_multi(const std::vector<SgdOperands>& tensors, double lr,
                                double momentum, double dampening, double weight_decay,
                                bool nesterov) {
  for (const SgdOperands& t : tensors) {
    double rate = lr;
    if (t.staged_lr.data) {
      check(t.staged_lr.dtype == DType::Float64 && t.staged_lr.numel() == 1, "sgd",
            "a staged learning rate must be float64 [1]");
      rate = *t.staged_lr.ptr<double>();
    }
    sgd_tensor(t.param, t.grad, t.momentum_buffer, rate, momentum, dampening, weight_decay,
               nesterov, t.first);
  }
}

}  // namespace msq
