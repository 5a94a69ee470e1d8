// 2-D pooling on the CPU (max, average, adaptive average) over contiguous NCHW planes, one
// thread per (image, channel) plane. Windows follow PyTorch: a window starts at
// o * stride - pad and is clipped to the image (padding never wins a max).
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

namespace {

struct Planes {
  int64_t planes, h, w, out_h, out_w;
  Planes(const StridedView& x, const StridedView& y)
      : planes(x.shape[0] * x.shape[1]),
        h(x.shape[2]),
        w(x.shape[3]),
        out_h(y.shape[2]),
        out_w(y.shape[3]) {}
};

// Whether candidate (v, i) beats (best, at) in a window's row-major scan order (the order of
// PyTorch's loop): a larger value, or the first NaN; a tie keeps the earlier (smaller) flat
// index. Written with selects, not branches: which element wins is unpredictable.
template <class T>
inline bool beats(T v, int64_t i, T best, int64_t at) {
  const bool v_nan = v != v, best_nan = best != best, earlier = i < at;
  return (v_nan & (!best_nan | earlier)) |
         (!v_nan & !best_nan & ((v > best) | ((v == best) & earlier)));
}

// y, indices: [P, Ho, Wo], x: [P, H, W]. Per output row, first the maximum of every input
// column over the window's rows (a loop over columns that vectorises: a later row wins
// only when strictly larger or the first NaN), then per output the best of its columns.
template <class T>
void max_pool_forward(T* y, int64_t* indices, const T* x, const Planes& s, const Pool2dParams& p) {
#pragma omp parallel for schedule(static) if (s.planes * s.h * s.w > 32768)
  for (int64_t pl = 0; pl < s.planes; ++pl) {
    thread_local std::vector<T> col_max;
    thread_local std::vector<int32_t> col_row;  // the winning row of each column
    col_max.resize(size_t(s.w));
    col_row.resize(size_t(s.w));
    T* cm = col_max.data();
    int32_t* cr = col_row.data();
    const T* xp = x + pl * s.h * s.w;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const int64_t h0 = std::max<int64_t>(oh * p.stride_h - p.pad_h, 0);
      const int64_t h1 = std::min(oh * p.stride_h - p.pad_h + p.kernel_h, s.h);
      for (int64_t iw = 0; iw < s.w; ++iw) {
        cm[iw] = xp[h0 * s.w + iw];
        cr[iw] = int32_t(h0);
      }
      for (int64_t ih = h0 + 1; ih < h1; ++ih) {
        const T* row = xp + ih * s.w;
        const int32_t r = int32_t(ih);
        for (int64_t iw = 0; iw < s.w; ++iw) {
          const T v = row[iw], best = cm[iw];
          const bool take = (v > best) | ((v != v) & (best == best));
          cm[iw] = take ? v : best;
          cr[iw] = take ? r : cr[iw];
        }
      }
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t w0 = std::max<int64_t>(ow * p.stride_w - p.pad_w, 0);
        const int64_t w1 = std::min(ow * p.stride_w - p.pad_w + p.kernel_w, s.w);
        T best = cm[w0];
        int64_t at = cr[w0] * s.w + w0;
        for (int64_t iw = w0 + 1; iw < w1; ++iw) {
          const int64_t i = cr[iw] * s.w + iw;
          const bool take = beats(cm[iw], i, best, at);
          best = take ? cm[iw] : best;
          at = take ? i : at;
        }
        const int64_t o = (pl * s.out_h + oh) * s.out_w + ow;
        y[o] = best;
        indices[o] = at;
      }
    }
  }
}

// gx: [P, H, W] (overwritten) from gy, indices: [P, Ho, Wo].
template <class T>
void max_pool_backward(T* gx, const T* gy, const int64_t* indices, int64_t planes, int64_t in_hw,
                       int64_t out_hw) {
#pragma omp parallel for schedule(static) if (planes * in_hw > 32768)
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* gp = gx + pl * in_hw;
    std::fill(gp, gp + in_hw, T(0));
    for (int64_t o = 0; o < out_hw; ++o) gp[indices[pl * out_hw + o]] += gy[pl * out_hw + o];
  }
}

// The window of output (oh, ow) clipped to the image, and its divisor, as PyTorch.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  double divisor;
};

AvgWindow avg_window(int64_t oh, int64_t ow, int64_t h, int64_t w, const Pool2dParams& p) {
  int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
  int64_t h1 = std::min(h0 + p.kernel_h, h + p.pad_h), w1 = std::min(w0 + p.kernel_w, w + p.pad_w);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, h);
  w1 = std::min(w1, w);
  double divisor = p.divisor_override > 0 ? double(p.divisor_override)
                   : p.count_include_pad  ? double(padded)
                                          : double((h1 - h0) * (w1 - w0));
  return {h0, h1, w0, w1, divisor};
}

// y: [P, Ho, Wo], x: [P, H, W].
template <class T>
void avg_pool_forward(T* y, const T* x, const Planes& s, const Pool2dParams& p) {
#pragma omp parallel for schedule(static) if (s.planes * s.h * s.w > 32768)
  for (int64_t pl = 0; pl < s.planes; ++pl) {
    const T* xp = x + pl * s.h * s.w;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const AvgWindow win = avg_window(oh, ow, s.h, s.w, p);
        T acc = 0;
        for (int64_t ih = win.h0; ih < win.h1; ++ih) {
          for (int64_t iw = win.w0; iw < win.w1; ++iw) acc += xp[ih * s.w + iw];
        }
        y[(pl * s.out_h + oh) * s.out_w + ow] = T(double(acc) / win.divisor);
      }
    }
  }
}

// gx: [P, H, W] (overwritten), gy: [P, Ho, Wo].
template <class T>
void avg_pool_backward(T* gx, const T* gy, const Planes& s, const Pool2dParams& p) {
#pragma omp parallel for schedule(static) if (s.planes * s.h * s.w > 32768)
  for (int64_t pl = 0; pl < s.planes; ++pl) {
    T* gp = gx + pl * s.h * s.w;
    std::fill(gp, gp + s.h * s.w, T(0));
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const AvgWindow win = avg_window(oh, ow, s.h, s.w, p);
        const T g = T(double(gy[(pl * s.out_h + oh) * s.out_w + ow]) / win.divisor);
        for (int64_t ih = win.h0; ih < win.h1; ++ih) {
          for (int64_t iw = win.w0; iw < win.w1; ++iw) gp[ih * s.w + iw] += g;
        }
      }
    }
  }
}

// Adaptive bin i of n over size: [floor(i * size / n), ceil((i + 1) * size / n)).
inline int64_t bin_start(int64_t i, int64_t n, int64_t size) { return (i * size) / n; }
inline int64_t bin_end(int64_t i, int64_t n, int64_t size) { return ((i + 1) * size + n - 1) / n; }

// y: [P, Ho, Wo], x: [P, H, W]; forward (gx == nullptr) or backward (y == nullptr).
template <class T>
void adaptive_avg(T* y, const T* x, T* gx, const T* gy, const Planes& s) {
#pragma omp parallel for schedule(static) if (s.planes * s.h * s.w > 32768)
  for (int64_t pl = 0; pl < s.planes; ++pl) {
    if (gx) std::fill(gx + pl * s.h * s.w, gx + (pl + 1) * s.h * s.w, T(0));
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const int64_t h0 = bin_start(oh, s.out_h, s.h), h1 = bin_end(oh, s.out_h, s.h);
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t w0 = bin_start(ow, s.out_w, s.w), w1 = bin_end(ow, s.out_w, s.w);
        const double count = double((h1 - h0) * (w1 - w0));
        const int64_t o = (pl * s.out_h + oh) * s.out_w + ow;
        if (y) {
          const T* xp = x + pl * s.h * s.w;
          T acc = 0;
          for (int64_t ih = h0; ih < h1; ++ih) {
            for (int64_t iw = w0; iw < w1; ++iw) acc += xp[ih * s.w + iw];
          }
          y[o] = T(double(acc) / count);
        } else {
          T* gp = gx + pl * s.h * s.w;
          const T g = T(double(gy[o]) / count);
          for (int64_t ih = h0; ih < h1; ++ih) {
            for (int64_t iw = w0; iw < w1; ++iw) gp[ih * s.w + iw] += g;
          }
        }
      }
    }
  }
}

void check_planes(const char* op, const StridedView& a, const StridedView& b) {
  check(a.ndim == 4 && b.ndim == 4 && a.is_contiguous() && b.is_contiguous(), op,
        "CPU kernel expects contiguous 4-d views");
}

}  // namespace

void CpuBackend::max_pool2d_forward(const StridedView& y, const StridedView& indices,
                                    const StridedView& x, const Pool2dParams& p) {
  check_planes("max_pool2d", y, x);
  cpu::dispatch_floating_types(x.dtype, "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_forward(y.ptr<T>(), indices.ptr<int64_t>(), x.ptr<T>(), Planes(x, y), p);
  });
}

// The CPU scatters through the indices and needs no window (p).
void CpuBackend::max_pool2d_backward(const StridedView& gx, const StridedView& gy,
                                     const StridedView& indices, const Pool2dParams& /*p*/) {
  check_planes("max_pool2d_backward", gx, gy);
  cpu::dispatch_floating_types(gx.dtype, "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Planes s(gx, gy);
    max_pool_backward(gx.ptr<T>(), gy.ptr<T>(), indices.ptr<int64_t>(), s.planes, s.h * s.w,
                      s.out_h * s.out_w);
  });
}

void CpuBackend::avg_pool2d_forward(const StridedView& y, const StridedView& x,
                                    const Pool2dParams& p) {
  check_planes("avg_pool2d", y, x);
  cpu::dispatch_floating_types(x.dtype, "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    avg_pool_forward(y.ptr<T>(), x.ptr<T>(), Planes(x, y), p);
  });
}

void CpuBackend::avg_pool2d_backward(const StridedView& gx, const StridedView& gy,
                                     const Pool2dParams& p) {
  check_planes("avg_pool2d_backward", gx, gy);
  cpu::dispatch_floating_types(gx.dtype, "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    avg_pool_backward(gx.ptr<T>(), gy.ptr<T>(), Planes(gx, gy), p);
  });
}

void CpuBackend::adaptive_avg_pool2d_forward(const StridedView& y, const StridedView& x) {
  check_planes("adaptive_avg_pool2d", y, x);
  cpu::dispatch_floating_types(x.dtype, "adaptive_avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    adaptive_avg<T>(y.ptr<T>(), x.ptr<T>(), nullptr, nullptr, Planes(x, y));
  });
}

void CpuBackend::adaptive_avg_pool2d_backward(const StridedView& gx, const StridedView& gy) {
  check_planes("adaptive_avg_pool2d_backward", gx, gy);
  cpu::dispatch_floating_types(gx.dtype, "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    adaptive_avg<T>(nullptr, nullptr, gx.ptr<T>(), gy.ptr<T>(), Planes(gx, gy));
  });
}

}  // namespace msq
