// The per-element update of each optimiser, shared by the CPU and CUDA kernels
// (the formulas of torch.optim.Adam, AdamW and SGD).
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/host_device.h"

namespace msq::math {

struct AdamScalars {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;
  double step_size;        // lr / (1 - beta1^t)
  double inv_sqrt_bc2;     // 1 / sqrt(1 - beta2^t)
};

inline AdamScalars adam_scalars(double lr, double beta1, double beta2, double eps,
                                double weight_decay, bool decoupled, int64_t step) {
  double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  double bc2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  return {lr, beta1, beta2, eps, weight_decay, decoupled, lr / bc1, 1.0 / std::sqrt(bc2)};
}

// The staged form (Optimizer::set_staged): the values that change from step to step live in
// device memory, written by the host before each step, so a replayed CUDA graph reads the
// current ones. Adam's per tensor: [lr, step_size, inv_sqrt_bc2] (adam_staged_values), the
// same doubles adam_scalars computes; SGD's per group: [lr].
constexpr int kAdamStagedValues = 3;

inline void adam_staged_values(const AdamScalars& s, double* out) {
  out[0] = s.lr;
  out[1] = s.step_size;
  out[2] = s.inv_sqrt_bc2;
}

// `s` with its per-step values replaced by the staged ones.
MSQ_HD AdamScalars with_staged(AdamScalars s, const double* staged) {
  s.lr = staged[0];
  s.step_size = staged[1];
  s.inv_sqrt_bc2 = staged[2];
  return s;
}

template <class T>
MSQ_HD void adam_update(T& p, T g, T& m, T& v, const AdamScalars& s) {
  if (s.weight_decay != 0) {
    if (s.decoupled) p = p * static_cast<T>(1.0 - s.lr * s.weight_decay);
    else g = g + static_cast<T>(s.weight_decay) * p;
  }
  m = static_cast<T>(s.beta1) * m + static_cast<T>(1.0 - s.beta1) * g;
  v = static_cast<T>(s.beta2) * v + static_cast<T>(1.0 - s.beta2) * g * g;
  T denom = sqrt(v) * static_cast<T>(s.inv_sqrt_bc2) + static_cast<T>(s.eps);
  p = p - static_cast<T>(s.step_size) * m / denom;
}

template <class T>
MSQ_HD void sgd_update(T& p, T g, T& buf, double lr, double momentum, double dampening,
                       double weight_decay, bool nesterov, bool first) {
  if (weight_decay != 0) g = g + static_cast<T>(weight_decay) * p;
  if (momentum != 0) {
    buf = first ? g : static_cast<T>(momentum) * buf + static_cast<T>(1.0 - dampening) * g;
    g = nesterov ? g + static_cast<T>(momentum) * buf : buf;
  }
  p = p - static_cast<T>(lr) * g;
}

}  // namespace msq::math
