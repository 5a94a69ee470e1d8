// Batch normalisation over [B, C, HW] on the CPU: one thread per channel; statistics in two
// passes (mean, then centred squares), vectorised partial sums per row added up in double.
// A fused activation (FusedAct) is applied as each value is written, and its derivative
// as each gy is read in the backward (z recomputed from x: nothing more is saved).
#include <cmath>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/common/unary_math.h"
#include "kernels/cpu/dispatch.h"

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
    for (int64_t b = 0; b < batch; ++b) {
      const T* row = x + (b * channels + c) * hw;
      T* out = y + (b * channels + c) * hw;
      if (act == FusedAct::None) {
        for (int64_t i = 0; i < hw; ++i) out[i] = (row[i] - m) * a + sh;
      } else {
        for (int64_t i = 0; i < hw; ++i) out[i] = math::fused_act(act, (row[i] - m) * a + sh);
      }
    }
  }
}

// gx: [B, C, HW] or null; gweight, gbias: [C] or null.
// With act, gy is first replaced by gz = act'(z) gy (z recomputed as in the forward) in a
// per-thread row buffer, and the formulas below read gz.
template <class T>
void bn_backward(T* gx, T* gweight, T* gbias, const T* gy, const T* x, const T* weight,
                 const T* bias, const T* save_mean, const T* save_invstd, int64_t batch,
                 int64_t channels, int64_t hw, bool training, FusedAct act) {
  const int64_t n = batch * hw;
  std::vector<T> gz_all(act == FusedAct::None ? 0 : size_t(n * channels));
#pragma omp parallel for schedule(static) if (n * channels > 32768)
  for (int64_t c = 0; c < channels; ++c) {
    const T mean = save_mean[c];
    const double invstd = double(save_invstd[c]);
    // gz of channel c, [B, HW] (gy itself without an activation).
    T* gz = act == FusedAct::None ? nullptr : gz_all.data() + c * n;
    if (gz) {
      const T a = T(invstd * (weight ? double(weight[c]) : 1.0)), sh = bias ? bias[c] : T(0);
      for (int64_t b = 0; b < batch; ++b) {
        const T* g = gy + (b * channels + c) * hw;
        const T* row = x + (b * channels + c) * hw;
        for (int64_t i = 0; i < hw; ++i) gz[b * hw + i] = math::fused_act_grad(act, g[i], (row[i] - mean) * a + sh);
      }
    }
    auto grad_row = [&](int64_t b) { return gz ? gz + b * hw : gy + (b * channels + c) * hw; };
    double sum_gy = 0, sum_gy_xc = 0;  // sum of gy and of gy * (x - mean)
    for (int64_t b = 0; b < batch; ++b) {
      const T* g = grad_row(b);
      const T* row = x + (b * channels + c) * hw;
      T s0 = 0, s1 = 0;
#pragma omp simd reduction(+ : s0, s1)
      for (int64_t i = 0; i < hw; ++i) {
        s0 += g[i];
        s1 += g[i] * (row[i] - mean);
      }
      sum_gy += s0;
      sum_gy_xc += s1;
    }
    if (gbias) gbias[c] = T(sum_gy);
    if (gweight) gweight[c] = T(sum_gy_xc * invstd);
    if (!gx) continue;
    const double w = weight ? double(weight[c]) : 1.0;
    // training: gx = w * invstd * (gy - mean(gy) - xhat * mean(gy * xhat))
    const T k = T(w * invstd);
    const T mean_gy = training ? T(sum_gy / double(n)) : T(0);
    const T proj = training ? T(sum_gy_xc * invstd * invstd / double(n)) : T(0);
    for (int64_t b = 0; b < batch; ++b) {
      const T* g = grad_row(b);
      const T* row = x + (b * channels + c) * hw;
      T* out = gx + (b * channels + c) * hw;
      for (int64_t i = 0; i < hw; ++i) out[i] = k * (g[i] - mean_gy - (row[i] - mean) * proj);
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
    bn_backward(gx.ptr<T>(), gweight.ptr<T>(), gbias.ptr<T>(), gy.ptr<T>(), x.ptr<T>(),
                weight.ptr<T>(), bias.ptr<T>(), save_mean.ptr<T>(), save_invstd.ptr<T>(), x.shape[0],
                x.shape[1], x.shape[2], training, act);
  });
}

}  // namespace msq
