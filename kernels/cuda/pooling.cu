// 2-D pooling on the GPU (max, average, adaptive average) over contiguous NCHW planes, the
// CPU kernel's windows (kernels/cpu/pooling.cpp: a window starts at o * stride - pad and is
// clipped to the image). Forward: one thread per output. Backward: one thread per input
// element, gathering from the outputs whose window covers it (no atomics: deterministic).
#include <cmath>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

// Planes P = B * C of H x W in, Ho x Wo out.
struct PlaneShape {
  int64_t planes, h, w, out_h, out_w;
};

PlaneShape plane_shape(const StridedView& x, const StridedView& y) {
  return {x.shape[0] * x.shape[1], x.shape[2], x.shape[3], y.shape[2], y.shape[3]};
}

// The outputs [lo, hi) along one axis whose (unclipped) window [o s - pad, o s - pad + k)
// covers input position i.
__device__ __forceinline__ void covering_outputs(int64_t i, int64_t kernel, int64_t stride,
                                                 int64_t pad, int64_t out, int64_t& lo,
                                                 int64_t& hi) {
  const int64_t t = i + pad;  // o s <= t < o s + k
  lo = t < kernel ? 0 : (t - kernel) / stride + 1;
  hi = t / stride + 1;
  if (hi > out) hi = out;
}

// y, indices: [P, Ho, Wo], x: [P, H, W]; indices hold h * W + w of the maximum (the first one;
// a NaN wins and stops the search, as on the CPU).
template <class T>
__global__ void max_pool_forward_kernel(T* y, int64_t* indices, const T* x, PlaneShape s,
                                        Pool2dParams p, int64_t total) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < total;
       o += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ow = o % s.out_w, oh = (o / s.out_w) % s.out_h, pl = o / (s.out_w * s.out_h);
    const int64_t hs = oh * p.stride_h - p.pad_h, ws = ow * p.stride_w - p.pad_w;
    const int64_t h0 = hs > 0 ? hs : 0, w0 = ws > 0 ? ws : 0;
    const int64_t h1 = hs + p.kernel_h < s.h ? hs + p.kernel_h : s.h;
    const int64_t w1 = ws + p.kernel_w < s.w ? ws + p.kernel_w : s.w;
    const T* xp = x + pl * s.h * s.w;
    T best = -INFINITY;
    int64_t at = h0 * s.w + w0;
    bool found_nan = false;
    for (int64_t ih = h0; ih < h1 && !found_nan; ++ih) {
      for (int64_t iw = w0; iw < w1; ++iw) {
        const T v = xp[ih * s.w + iw];
        if (v > best || isnan(v)) {
          best = v;
          at = ih * s.w + iw;
          if (isnan(v)) {
            found_nan = true;
            break;
          }
        }
      }
    }
    y[o] = best;
    indices[o] = at;
  }
}

// gx: [P, H, W] (overwritten) from gy, indices: [P, Ho, Wo].
template <class T>
__global__ void max_pool_backward_kernel(T* gx, const T* gy, const int64_t* indices, PlaneShape s,
                                         Pool2dParams p, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t iw = i % s.w, ih = (i / s.w) % s.h, pl = i / (s.w * s.h);
    int64_t oh0, oh1, ow0, ow1;
    covering_outputs(ih, p.kernel_h, p.stride_h, p.pad_h, s.out_h, oh0, oh1);
    covering_outputs(iw, p.kernel_w, p.stride_w, p.pad_w, s.out_w, ow0, ow1);
    const int64_t here = ih * s.w + iw, base = pl * s.out_h * s.out_w;
    T acc = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const int64_t o = base + oh * s.out_w + ow;
        if (indices[o] == here) acc += gy[o];
      }
    }
    gx[i] = acc;
  }
}

// The divisor of output (oh, ow)'s average, as the CPU's avg_window.
__device__ __forceinline__ double avg_divisor(int64_t oh, int64_t ow, const PlaneShape& s,
                                              const Pool2dParams& p, int64_t& h0, int64_t& h1,
                                              int64_t& w0, int64_t& w1) {
  h0 = oh * p.stride_h - p.pad_h;
  w0 = ow * p.stride_w - p.pad_w;
  h1 = h0 + p.kernel_h < s.h + p.pad_h ? h0 + p.kernel_h : s.h + p.pad_h;
  w1 = w0 + p.kernel_w < s.w + p.pad_w ? w0 + p.kernel_w : s.w + p.pad_w;
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < s.h ? h1 : s.h;
  w1 = w1 < s.w ? w1 : s.w;
  if (p.divisor_override > 0) return double(p.divisor_override);
  return p.count_include_pad ? double(padded) : double((h1 - h0) * (w1 - w0));
}

// y: [P, Ho, Wo], x: [P, H, W].
template <class T>
__global__ void avg_pool_forward_kernel(T* y, const T* x, PlaneShape s, Pool2dParams p,
                                        int64_t total) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < total;
       o += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ow = o % s.out_w, oh = (o / s.out_w) % s.out_h, pl = o / (s.out_w * s.out_h);
    int64_t h0, h1, w0, w1;
    const double divisor = avg_divisor(oh, ow, s, p, h0, h1, w0, w1);
    const T* xp = x + pl * s.h * s.w;
    T acc = 0;
    for (int64_t ih = h0; ih < h1; ++ih) {
      for (int64_t iw = w0; iw < w1; ++iw) acc += xp[ih * s.w + iw];
    }
    y[o] = T(double(acc) / divisor);
  }
}

// gx: [P, H, W] (overwritten), gy: [P, Ho, Wo].
template <class T>
__global__ void avg_pool_backward_kernel(T* gx, const T* gy, PlaneShape s, Pool2dParams p,
                                         int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t iw = i % s.w, ih = (i / s.w) % s.h, pl = i / (s.w * s.h);
    int64_t oh0, oh1, ow0, ow1;
    covering_outputs(ih, p.kernel_h, p.stride_h, p.pad_h, s.out_h, oh0, oh1);
    covering_outputs(iw, p.kernel_w, p.stride_w, p.pad_w, s.out_w, ow0, ow1);
    const int64_t base = pl * s.out_h * s.out_w;
    T acc = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        int64_t h0, h1, w0, w1;
        const double divisor = avg_divisor(oh, ow, s, p, h0, h1, w0, w1);
        acc += T(double(gy[base + oh * s.out_w + ow]) / divisor);
      }
    }
    gx[i] = acc;
  }
}

// Adaptive bin i of n over size: [floor(i size / n), ceil((i + 1) size / n)).
__device__ __forceinline__ int64_t bin_start(int64_t i, int64_t n, int64_t size) {
  return (i * size) / n;
}
__device__ __forceinline__ int64_t bin_end(int64_t i, int64_t n, int64_t size) {
  return ((i + 1) * size + n - 1) / n;
}

// y: [P, Ho, Wo], x: [P, H, W].
template <class T>
__global__ void adaptive_avg_forward_kernel(T* y, const T* x, PlaneShape s, int64_t total) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < total;
       o += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ow = o % s.out_w, oh = (o / s.out_w) % s.out_h, pl = o / (s.out_w * s.out_h);
    const int64_t h0 = bin_start(oh, s.out_h, s.h), h1 = bin_end(oh, s.out_h, s.h);
    const int64_t w0 = bin_start(ow, s.out_w, s.w), w1 = bin_end(ow, s.out_w, s.w);
    const T* xp = x + pl * s.h * s.w;
    T acc = 0;
    for (int64_t ih = h0; ih < h1; ++ih) {
      for (int64_t iw = w0; iw < w1; ++iw) acc += xp[ih * s.w + iw];
    }
    y[o] = T(double(acc) / double((h1 - h0) * (w1 - w0)));
  }
}

// The bins [lo, hi) along one axis that contain input position i: bin o contains i exactly
// when floor(i n / size) <= o < ceil((i + 1) n / size); checked against the bins themselves.
__device__ __forceinline__ void covering_bins(int64_t i, int64_t n, int64_t size, int64_t& lo,
                                              int64_t& hi) {
  lo = (i * n) / size;
  hi = ((i + 1) * n + size - 1) / size;
  if (hi > n) hi = n;
}

// gx: [P, H, W] (overwritten), gy: [P, Ho, Wo].
template <class T>
__global__ void adaptive_avg_backward_kernel(T* gx, const T* gy, PlaneShape s, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t iw = i % s.w, ih = (i / s.w) % s.h, pl = i / (s.w * s.h);
    int64_t oh0, oh1, ow0, ow1;
    covering_bins(ih, s.out_h, s.h, oh0, oh1);
    covering_bins(iw, s.out_w, s.w, ow0, ow1);
    const int64_t base = pl * s.out_h * s.out_w;
    T acc = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const int64_t h0 = bin_start(oh, s.out_h, s.h), h1 = bin_end(oh, s.out_h, s.h);
      if (ih < h0 || ih >= h1) continue;
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const int64_t w0 = bin_start(ow, s.out_w, s.w), w1 = bin_end(ow, s.out_w, s.w);
        if (iw < w0 || iw >= w1) continue;
        acc += T(double(gy[base + oh * s.out_w + ow]) / double((h1 - h0) * (w1 - w0)));
      }
    }
    gx[i] = acc;
  }
}

void check_planes(const char* op, const StridedView& a, const StridedView& b) {
  check(a.ndim == 4 && b.ndim == 4 && a.is_contiguous() && b.is_contiguous(), op,
        "CUDA kernel expects contiguous 4-d views");
}

int64_t numel4(const StridedView& v) { return v.shape[0] * v.shape[1] * v.shape[2] * v.shape[3]; }

// Launches a grid-stride kernel over n items (none when n is 0) and checks the launch.
template <class Kernel, class... Args>
void launch(Kernel kernel, int64_t n, Args... args) {
  if (n == 0) return;
  kernel<<<cuda::grid_for(n), cuda::kThreads, 0, cuda::compute_stream()>>>(args..., n);
  MSQ_CUDA_CHECK(cuda::launch_status());
}

}  // namespace

void CudaBackend::max_pool2d_forward(const StridedView& y, const StridedView& indices,
                                     const StridedView& x, const Pool2dParams& p) {
  check_planes("max_pool2d", y, x);
  cuda::dispatch_floating_types(x.dtype, "max_pool2d", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    launch(max_pool_forward_kernel<T>, numel4(y), y.ptr<T>(), indices.ptr<int64_t>(), x.ptr<T>(),
           plane_shape(x, y), p);
  });
}

void CudaBackend::max_pool2d_backward(const StridedView& gx, const StridedView& gy,
                                      const StridedView& indices, const Pool2dParams& p) {
  check_planes("max_pool2d_backward", gx, gy);
  cuda::dispatch_floating_types(gx.dtype, "max_pool2d_backward", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    launch(max_pool_backward_kernel<T>, numel4(gx), gx.ptr<T>(), gy.ptr<T>(),
           indices.ptr<int64_t>(), plane_shape(gx, gy), p);
  });
}

void CudaBackend::avg_pool2d_forward(const StridedView& y, const StridedView& x,
                                     const Pool2dParams& p) {
  check_planes("avg_pool2d", y, x);
  cuda::dispatch_floating_types(x.dtype, "avg_pool2d", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    launch(avg_pool_forward_kernel<T>, numel4(y), y.ptr<T>(), x.ptr<T>(), plane_shape(x, y), p);
  });
}

void CudaBackend::avg_pool2d_backward(const StridedView& gx, const StridedView& gy,
                                      const Pool2dParams& p) {
  check_planes("avg_pool2d_backward", gx, gy);
  cuda::dispatch_floating_types(gx.dtype, "avg_pool2d_backward", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    launch(avg_pool_backward_kernel<T>, numel4(gx), gx.ptr<T>(), gy.ptr<T>(), plane_shape(gx, gy),
           p);
  });
}

void CudaBackend::adaptive_avg_pool2d_forward(const StridedView& y, const StridedView& x) {
  check_planes("adaptive_avg_pool2d", y, x);
  cuda::dispatch_floating_types(x.dtype, "adaptive_avg_pool2d", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    launch(adaptive_avg_forward_kernel<T>, numel4(y), y.ptr<T>(), x.ptr<T>(), plane_shape(x, y));
  });
}

void CudaBackend::adaptive_avg_pool2d_backward(const StridedView& gx, const StridedView& gy) {
  check_planes("adaptive_avg_pool2d_backward", gx, gy);
  cuda::dispatch_floating_types(gx.dtype, "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    launch(adaptive_avg_backward_kernel<T>, numel4(gx), gx.ptr<T>(), gy.ptr<T>(),
           plane_shape(gx, gy));
  });
}

}  // namespace msq
