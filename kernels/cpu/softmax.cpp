// Softmax, log-softmax and negative log-likelihood on the CPU.
#include <cmath>

#include "kernels/common/fast_exp.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

// y, x: [outer, n, inner] contiguous; softmax over n
void CpuBackend::softmax(const StridedView& y, const StridedView& x, int64_t outer, int64_t n,
                         int64_t inner, bool log) {
  cpu::dispatch_floating_types(x.dtype, "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = x.ptr<T>();
    T* yp = y.ptr<T>();
    if (inner == 1) {
      // Rows are contiguous: vectorised max, exp-and-sum, scale.
#pragma omp parallel for schedule(static) if (outer * n > 32768)
      for (int64_t o = 0; o < outer; ++o) {
        const T* xr = xp + o * n;
        T* yr = yp + o * n;
        T mx = xr[0];
        for (int64_t r = 1; r < n; ++r) mx = xr[r] > mx ? xr[r] : mx;
        T total = 0;
#pragma omp simd reduction(+ : total)
        for (int64_t r = 0; r < n; ++r) {
          T e = math::fast_exp(xr[r] - mx);
          yr[r] = e;
          total += e;
        }
        if (log) {
          T lse = static_cast<T>(std::log(total)) + mx;
          for (int64_t r = 0; r < n; ++r) yr[r] = xr[r] - lse;
        } else {
          T inv = T(1) / total;
          for (int64_t r = 0; r < n; ++r) yr[r] *= inv;
        }
      }
      return;
    }
#pragma omp parallel for schedule(static) if (outer * n * inner > 32768)
    for (int64_t lane = 0; lane < outer * inner; ++lane) {
      int64_t o = lane / inner, i = lane % inner;
      const T* xi = xp + o * n * inner + i;
      T* yi = yp + o * n * inner + i;
      T mx = xi[0];
      for (int64_t r = 1; r < n; ++r) mx = std::max(mx, xi[r * inner]);
      double total = 0;
      for (int64_t r = 0; r < n; ++r) total += math::fast_exp(xi[r * inner] - mx);
      if (log) {
        T lse = static_cast<T>(std::log(total)) + mx;
        for (int64_t r = 0; r < n; ++r) yi[r * inner] = xi[r * inner] - lse;
      } else {
        T inv = static_cast<T>(1.0 / total);
        for (int64_t r = 0; r < n; ++r) yi[r * inner] = math::fast_exp(xi[r * inner] - mx) * inv;
      }
    }
  });
}

// gx, g, y: [outer, n, inner] contiguous
void CpuBackend::softmax_grad(const StridedView& gx, const StridedView& g, const StridedView& y,
                              int64_t outer, int64_t n, int64_t inner, bool log) {
  cpu::dispatch_floating_types(y.dtype, "softmax_grad", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *gp = g.ptr<T>(), *yp = y.ptr<T>();
    T* gxp = gx.ptr<T>();
#pragma omp parallel for schedule(static) if (outer * n * inner > 32768)
    for (int64_t lane = 0; lane < outer * inner; ++lane) {
      int64_t base = (lane / inner) * n * inner + lane % inner;
      const T *gi = gp + base, *yi = yp + base;
      T* o = gxp + base;
      double s = 0;
      if (log) {
        // y = log p: gx = g - p * sum(g)
        for (int64_t r = 0; r < n; ++r) s += gi[r * inner];
        for (int64_t r = 0; r < n; ++r) o[r * inner] = gi[r * inner] - math::fast_exp(yi[r * inner]) * static_cast<T>(s);
      } else {
        // y = p: gx = p * (g - sum(g * p))
        for (int64_t r = 0; r < n; ++r) s += static_cast<double>(gi[r * inner]) * yi[r * inner];
        for (int64_t r = 0; r < n; ++r) o[r * inner] = yi[r * inner] * (gi[r * inner] - static_cast<T>(s));
      }
    }
  });
}

// loss, wsum: [N]; logp: [N, C] contiguous; target: int64 [N]; weight: [C] or null
void CpuBackend::nll_forward(const StridedView& loss, const StridedView& wsum,
                             const StridedView& logp, const StridedView& target,
                             const StridedView& weight, int64_t ignore_index) {
  cpu::dispatch_floating_types(logp.dtype, "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t n = logp.shape[0], c = logp.shape[1];
    const T* lp = logp.ptr<T>();
    const int64_t* t = target.ptr<int64_t>();
    const T* w = weight.data ? weight.ptr<T>() : nullptr;
    T *l = loss.ptr<T>(), *ws = wsum.ptr<T>();
    for (int64_t i = 0; i < n; ++i) {
      int64_t ti = t[i * target.strides[0]];
      if (ti == ignore_index) {
        l[i] = 0;
        ws[i] = 0;
        continue;
      }
      T wi = w ? w[ti * weight.strides[0]] : T(1);
      l[i] = -wi * lp[i * c + ti];
      ws[i] = wi;
    }
  });
}

// glogp: [N, C] contiguous; g: [N] contiguous; target: int64 [N]; weight: [C] or null
void CpuBackend::nll_backward(const StridedView& glogp, const StridedView& g,
                              const StridedView& target, const StridedView& weight,
                              int64_t ignore_index) {
  cpu::dispatch_floating_types(glogp.dtype, "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t n = glogp.shape[0], c = glogp.shape[1];
    T* gl = glogp.ptr<T>();
    const T* gp = g.ptr<T>();
    const int64_t* t = target.ptr<int64_t>();
    const T* w = weight.data ? weight.ptr<T>() : nullptr;
    for (int64_t i = 0; i < n * c; ++i) gl[i] = 0;
    for (int64_t i = 0; i < n; ++i) {
      int64_t ti = t[i * target.strides[0]];
      if (ti == ignore_index) continue;
      T wi = w ? w[ti * weight.strides[0]] : T(1);
      gl[i * c + ti] = -gp[i] * wi;
    }
  });
}

}  // namespace msq
