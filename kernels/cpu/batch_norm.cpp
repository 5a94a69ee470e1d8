// Batch normalisation over [B, C, HW] on the CPU: one thread per channel; statistics in two
// passes (mean, then centred squares), vectorised partial sums per row added up in double.
// A fused activation (FusedAct) is applied as each value is written, and its derivative
// as each gy is read in the backward (z recomputed from x: nothing more is saved); the
// activation is a template argument of the loops (fused_act_rows.h), so they vectorise.
#include <cmath>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/common/unary_math.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/fused_act_rows.h"

namespace msq {

namespace {

// y, x: [B, C, HW]; weight, bias, running stats, saves: [C] (weight/bias/running may be null).
template <class T>
void bn_forward(T* y, T* save_mean, T* save_invstd, const T* x, const T* weight, const T* bias,
                T* running_mean, T* running_var, int64_t batch, int64_t channels, int64_t hw,
                bool training, double momentum, double eps, FusedAct act) {
  const int64_t n = batch * hw;
#pragma omp parallel for schedule(static) if (n * channels > 32768)
  for (int64_t c = 0; c < channels; ++c) {
    double mean, invstd;
    if (training) {
      double s = 0;
      for (int64_t b = 0; b < batch; ++b) {
        const T* row = x + (b * channels + c) * hw;
        T part = 0;
#pragma omp simd reduction(+ : part)
        for (int64_t i = 0; i < hw; ++i) part += row[i];
        s += part;
      }
      mean = s / double(n);
      double sq = 0;
      for (int64_t b = 0; b < batch; ++b) {
        const T* row = x + (b * channels + c) * hw;
        const T m = T(mean);
        T part = 0;
#pragma omp simd reduction(+ : part)
        for (int64_t i = 0; i < hw; ++i) part += (row[i] - m) * (row[i] - m);
        sq += part;
      }
      const double var = sq / double(n);
      invstd = 1.0 / std::sqrt(var + eps);
      if (running_mean) {
        running_mean[c] = T((1 - momentum) * double(running_mean[c]) + momentum * mean);
        const double unbiased = n > 1 ? var * double(n) / double(n - 1) : var;
        running_var[c] = T((1 - momentum) * double(running_var[c]) + momentum * unbiased);
      }
    } else {
      mean = double(running_mean[c]);
      invstd = 1.0 / std::sqrt(double(running_var[c]) + eps);
    }
    save_mean[c] = T(mean);
    save_invstd[c] = T(invstd);
    // From the saved (rounded) invstd, so that the backward recomputes z bit for bit.
    const double scale = double(save_invstd[c]) * (weight ? double(weight[c]) : 1.0);
    // (x - mean) * a + bias: centring first keeps float32 precise when |mean| >> std.
    const T a = T(scale), m = T(mean), sh = T(bias ? double(bias[c]) : 0.0);
    cpu::with_act(act, [&](auto kind) {
      for (int64_t b = 0; b < batch; ++b) {
        const T* row = x + (b * channels + c) * hw;
        T* out = y + (b * channels + c) * hw;
#pragma omp simd
        for (int64_t i = 0; i < hw; ++i) out[i] = (row[i] - m) * a + sh;
        cpu::activate_row<decltype(kind)::value>(out, hw);
      }
    });
  }
}

// gx: [B, C, HW] or null; gweight, gbias: [C] or null. With an activation the formulas read
// gz = act'(z) gy instead of gy, z recomputed from x as the forward computed it
// (a = T(saved invstd * weight), as bn_forward): ReLU's mask inline in both passes, SiLU's
// derivative once per channel into a per-thread buffer (its 8-lane form, fused_act_rows.h).
template <FusedAct kAct, class T>
void bn_backward(T* gx, T* gweight, T* gbias, const T* gy, const T* x, const T* weight,
                 const T* bias, const T* save_mean, const T* save_invstd, int64_t batch,
                 int64_t channels, int64_t hw, bool training) {
  constexpr bool kBuffered = kAct == FusedAct::Silu;
  const int64_t n = batch * hw;
#pragma omp parallel for schedule(static) if (n * channels > 32768)
  for (int64_t c = 0; c < channels; ++c) {
    const T mean = save_mean[c];
    const double invstd = double(save_invstd[c]);
    const T a = T(invstd * (weight ? double(weight[c]) : 1.0)), sh = bias ? bias[c] : T(0);
    thread_local std::vector<T> gz_buffer;  // SiLU: gz of channel c, [B, HW]
    if constexpr (kBuffered) {
      gz_buffer.resize(size_t(n));
      for (int64_t b = 0; b < batch; ++b) {
        const T* row = x + (b * channels + c) * hw;
        T* z = gz_buffer.data() + b * hw;
#pragma omp simd
        for (int64_t i = 0; i < hw; ++i) z[i] = (row[i] - mean) * a + sh;
        cpu::activation_grad_row<kAct>(z, gy + (b * channels + c) * hw, hw);
      }
    }
    // The gradient row the formulas read (gy, or gz when buffered) and, inline, act'(z) g.
    auto grad_row = [&](int64_t b) -> const T* {
      if constexpr (kBuffered) return gz_buffer.data() + b * hw;
      return gy + (b * channels + c) * hw;
    };
    auto gz_at = [&](T g, T xv) {
      if constexpr (kBuffered || kAct == FusedAct::None) return g;
      return math::fused_act_grad(kAct, g, (xv - mean) * a + sh);
    };
    double sum_gy = 0, sum_gy_xc = 0;  // sum of gz and of gz * (x - mean)
    for (int64_t b = 0; b < batch; ++b) {
      const T* g = grad_row(b);
      const T* row = x + (b * channels + c) * hw;
      T s0 = 0, s1 = 0;
#pragma omp simd reduction(+ : s0, s1)
      for (int64_t i = 0; i < hw; ++i) {
        const T gz = gz_at(g[i], row[i]);
        s0 += gz;
        s1 += gz * (row[i] - mean);
      }
      sum_gy += s0;
      sum_gy_xc += s1;
    }
    if (gbias) gbias[c] = T(sum_gy);
    if (gweight) gweight[c] = T(sum_gy_xc * invstd);
    if (!gx) continue;
    const double w = weight ? double(weight[c]) : 1.0;
    // training: gx = w * invstd * (gz - mean(gz) - xhat * mean(gz * xhat))
    const T k = T(w * invstd);
    const T mean_gy = training ? T(sum_gy / double(n)) : T(0);
    const T proj = training ? T(sum_gy_xc * invstd * invstd / double(n)) : T(0);
    for (int64_t b = 0; b < batch; ++b) {
      const T* g = grad_row(b);
      const T* row = x + (b * channels + c) * hw;
      T* out = gx + (b * channels + c) * hw;
#pragma omp simd
      for (int64_t i = 0; i < hw; ++i) out[i] = k * (gz_at(g[i], row[i]) - mean_gy - (row[i] - mean) * proj);
    }
  }
}

}  // namespace

void CpuBackend::batch_norm_forward(const StridedView& y, const StridedView& save_mean,
                                    const StridedView& save_invstd, const StridedView& x,
                                    const StridedView& weight, const StridedView& bias,
                                    const StridedView& running_mean, const StridedView& running_var,
                                    bool training, double momentum, double eps, FusedAct act) {
  check(x.ndim == 3 && x.is_contiguous() && y.is_contiguous(), "batch_norm",
        "CPU kernel expects contiguous [B, C, HW] views");
  cpu::dispatch_floating_types(x.dtype, "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    bn_forward(y.ptr<T>(), save_mean.ptr<T>(), save_invstd.ptr<T>(), x.ptr<T>(), weight.ptr<T>(),
               bias.ptr<T>(), running_mean.ptr<T>(), running_var.ptr<T>(), x.shape[0], x.shape[1],
               x.shape[2], training, momentum, eps, act);
  });
}

void CpuBackend::batch_norm_backward(const StridedView& gx, const StridedView& gweight,
                                     const StridedView& gbias, const StridedView& gy,
                                     const StridedView& x, const StridedView& weight,
                                     const StridedView& bias, const StridedView& save_mean,
                                     const StridedView& save_invstd, bool training, FusedAct act) {
  check(x.ndim == 3 && x.is_contiguous() && gy.is_contiguous(), "batch_norm_backward",
        "CPU kernel expects contiguous [B, C, HW] views");
  cpu::dispatch_floating_types(x.dtype, "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::with_act(act, [&](auto kind) {
      bn_backward<decltype(kind)::value>(gx.ptr<T>(), gweight.ptr<T>(), gbias.ptr<T>(), gy.ptr<T>(),
                                         x.ptr<T>(), weight.ptr<T>(), bias.ptr<T>(), save_mean.ptr<T>(),
                                         save_invstd.ptr<T>(), x.shape[0], x.shape[1], x.shape[2],
                                         training);
    });
  });
}

}  // namespace msq
