// Convolution without cuDNN: im2col (or its adjoint col2im) and the backend's GEMM
// (cuBLAS, or gemm.cu's tiled kernel). Images go in chunks whose column buffer stays under
// kColumnBudget elements. With one group a chunk is one strided-batched GEMM over its
// images; with several groups each image is one GEMM batched over the groups. Every
// output element is written by one thread (col2im gathers; no atomics): the results are
// deterministic.
//
// Per image b, group g (K_g = Cin_g * KH * KW, HW_o = Ho * Wo):
//   forward:        y_g [Cout_g, HW_o]  = w_g [Cout_g, K_g] @ col_g [K_g, HW_o]
//   input grad:     col_g [K_g, HW_o]   = w_g^T @ gy_g [Cout_g, HW_o], then col2im
//   weight grad:    gw_g [Cout_g, K_g] += gy_g @ col_g^T (summed over the images)
#include <algorithm>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/conv_paths.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq::cuda {

namespace {

// Elements of one chunk's column buffer (64 MiB of float).
constexpr int64_t kColumnBudget = int64_t(1) << 24;

struct Geometry {
  int64_t batch, in_c, h, w, out_c, kh, kw, out_h, out_w, groups, in_cg, out_cg;
  int64_t k_g() const { return in_cg * kh * kw; }         // rows of one group's columns
  int64_t rows() const { return in_c * kh * kw; }         // rows of one image's columns
  int64_t out_hw() const { return out_h * out_w; }
  int64_t col_per_image() const { return rows() * out_hw(); }
};

// x [B, Cin, H, W], w [Cout, Cin_g, KH, KW], y [B, Cout, Ho, Wo].
Geometry geometry(const StridedView& x, const StridedView& w, const StridedView& y,
                  const Conv2dParams& p) {
  Geometry g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0], w.shape[2], w.shape[3],
             y.shape[2], y.shape[3], p.groups, w.shape[1], w.shape[0] / p.groups};
  return g;
}

int64_t chunk_images(const Geometry& g) {
  return std::clamp<int64_t>(kColumnBudget / std::max<int64_t>(g.col_per_image(), 1), 1, g.batch);
}

// Geometry and parameters as plain ints for the kernels.
struct ColShape {
  int64_t in_c, h, w, kh, kw, out_h, out_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
};

ColShape col_shape(const Geometry& g, const Conv2dParams& p) {
  return {g.in_c,       g.h,        g.w,     g.kh,    g.kw,         g.out_h,     g.out_w,
          p.stride_h,   p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w};
}

// col: [n_img, Cin * KH * KW, Ho * Wo] from x: [n_img, Cin, H, W]; row r = (c * KH + i) * KW + j.
template <class T>
__global__ void im2col_kernel(T* col, const T* x, ColShape s, int64_t total) {
  const int64_t out_hw = s.out_h * s.out_w, rows = s.in_c * s.kh * s.kw;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ow = idx % s.out_w;
    const int64_t oh = (idx / s.out_w) % s.out_h;
    const int64_t r = (idx / out_hw) % rows;
    const int64_t n = idx / (out_hw * rows);
    const int64_t j = r % s.kw, i = (r / s.kw) % s.kh, c = r / (s.kw * s.kh);
    const int64_t ih = oh * s.stride_h - s.pad_h + i * s.dil_h;
    const int64_t iw = ow * s.stride_w - s.pad_w + j * s.dil_w;
    const bool inside = ih >= 0 && ih < s.h && iw >= 0 && iw < s.w;
    col[idx] = inside ? x[((n * s.in_c + c) * s.h + ih) * s.w + iw] : T(0);
  }
}

// gx: [n_img, Cin, H, W] (overwritten) = the sum of col's entries that im2col read from each
// position; col: [n_img, Cin * KH * KW, Ho * Wo].
template <class T>
__global__ void col2im_kernel(T* gx, const T* col, ColShape s, int64_t total) {
  const int64_t out_hw = s.out_h * s.out_w, rows = s.in_c * s.kh * s.kw;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t iw = idx % s.w;
    const int64_t ih = (idx / s.w) % s.h;
    const int64_t c = (idx / (s.w * s.h)) % s.in_c;
    const int64_t n = idx / (s.w * s.h * s.in_c);
    const T* coln = col + n * rows * out_hw;
    T acc = 0;
    for (int64_t i = 0; i < s.kh; ++i) {
      const int64_t th = ih + s.pad_h - i * s.dil_h;  // = oh * stride_h when oh exists
      if (th < 0 || th % s.stride_h != 0) continue;
      const int64_t oh = th / s.stride_h;
      if (oh >= s.out_h) continue;
      for (int64_t j = 0; j < s.kw; ++j) {
        const int64_t tw = iw + s.pad_w - j * s.dil_w;
        if (tw < 0 || tw % s.stride_w != 0) continue;
        const int64_t ow = tw / s.stride_w;
        if (ow >= s.out_w) continue;
        acc += coln[((c * s.kh + i) * s.kw + j) * out_hw + oh * s.out_w + ow];
      }
    }
    gx[idx] = acc;
  }
}

template <class T>
void launch_im2col(T* col, const T* x, const ColShape& s, int64_t images) {
  const int64_t total = images * s.in_c * s.kh * s.kw * s.out_h * s.out_w;
  if (total == 0) return;
  im2col_kernel<T><<<grid_for(total), kThreads, 0, cuda::compute_stream()>>>(col, x, s, total);
  MSQ_CUDA_CHECK(launch_status());
}

template <class T>
void launch_col2im(T* gx, const T* col, const ColShape& s, int64_t images) {
  const int64_t total = images * s.in_c * s.h * s.w;
  if (total == 0) return;
  col2im_kernel<T><<<grid_for(total), kThreads, 0, cuda::compute_stream()>>>(gx, col, s, total);
  MSQ_CUDA_CHECK(launch_status());
}

// A [batch, rows, cols] matrix view for Backend::gemm.
StridedView matrices(void* data, DType dtype, int64_t batch, int64_t rows, int64_t cols,
                     int64_t batch_stride, int64_t row_stride, int64_t col_stride) {
  StridedView v;
  v.data = data;
  v.dtype = dtype;
  v.ndim = 3;
  v.shape[0] = batch;
  v.shape[1] = rows;
  v.shape[2] = cols;
  v.strides[0] = batch_stride;
  v.strides[1] = row_stride;
  v.strides[2] = col_stride;
  return v;
}

size_t element_size(DType t) { return t == DType::Float64 ? 8 : 4; }

char* offset(void* base, DType t, int64_t elements) {
  return static_cast<char*>(base) + elements * int64_t(element_size(t));
}

void check_float(DType t, const char* op) {
  check(t == DType::Float32 || t == DType::Float64, op, "expects float32 or float64, got ",
        dtype_name(t));
}

}  // namespace

void im2col_conv_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                         const Conv2dParams& p) {
  check_float(x.dtype, "conv2d");
  const Geometry g = geometry(x, w, y, p);
  const ColShape s = col_shape(g, p);
  const DType dt = x.dtype;
  const int64_t chunk = chunk_images(g), kg = g.k_g(), ohw = g.out_hw();
  DeviceBuffer col(size_t(chunk * g.col_per_image()) * element_size(dt));
  Backend& be = backend(Device::cuda());
  for (int64_t b0 = 0; b0 < g.batch; b0 += chunk) {
    const int64_t n = std::min(chunk, g.batch - b0);
    dispatch_floating_types(dt, "conv2d", [&](auto tag) {
      using T = tag_type<decltype(tag)>;
      launch_im2col(col.as<T>(), x.ptr<T>() + b0 * g.in_c * g.h * g.w, s, n);
    });
    if (g.groups == 1) {
      // y[b] [Cout, HW_o] = w [Cout, K] @ col[b] [K, HW_o] for the chunk's n images.
      be.gemm(matrices(offset(y.data, dt, b0 * g.out_c * ohw), dt, n, g.out_c, ohw, g.out_c * ohw, ohw, 1),
              matrices(w.data, dt, n, g.out_c, kg, 0, kg, 1),
              matrices(col.data(), dt, n, kg, ohw, kg * ohw, ohw, 1), 1.0, 0.0);
      continue;
    }
    for (int64_t b = 0; b < n; ++b) {
      // y_g [Cout_g, HW_o] = w_g [Cout_g, K_g] @ col_g [K_g, HW_o], batched over the groups.
      be.gemm(matrices(offset(y.data, dt, (b0 + b) * g.out_c * ohw), dt, g.groups, g.out_cg, ohw,
                       g.out_cg * ohw, ohw, 1),
              matrices(w.data, dt, g.groups, g.out_cg, kg, g.out_cg * kg, kg, 1),
              matrices(offset(col.data(), dt, b * g.col_per_image()), dt, g.groups, kg, ohw,
                       kg * ohw, ohw, 1),
              1.0, 0.0);
    }
  }
}

void im2col_conv_backward_input(const StridedView& gx, const StridedView& gy,
                                const StridedView& w, const Conv2dParams& p) {
  check_float(gx.dtype, "conv2d_backward");
  const Geometry g = geometry(gx, w, gy, p);
  const ColShape s = col_shape(g, p);
  const DType dt = gx.dtype;
  const int64_t chunk = chunk_images(g), kg = g.k_g(), ohw = g.out_hw();
  DeviceBuffer col(size_t(chunk * g.col_per_image()) * element_size(dt));
  Backend& be = backend(Device::cuda());
  for (int64_t b0 = 0; b0 < g.batch; b0 += chunk) {
    const int64_t n = std::min(chunk, g.batch - b0);
    if (g.groups == 1) {
      // col[b] [K, HW_o] = w^T [K, Cout] @ gy[b] [Cout, HW_o].
      be.gemm(matrices(col.data(), dt, n, kg, ohw, kg * ohw, ohw, 1),
              matrices(w.data, dt, n, kg, g.out_c, 0, 1, kg),
              matrices(offset(gy.data, dt, b0 * g.out_c * ohw), dt, n, g.out_c, ohw, g.out_c * ohw, ohw, 1),
              1.0, 0.0);
    } else {
      for (int64_t b = 0; b < n; ++b) {
        // col_g [K_g, HW_o] = w_g^T [K_g, Cout_g] @ gy_g [Cout_g, HW_o], batched over groups.
        be.gemm(matrices(offset(col.data(), dt, b * g.col_per_image()), dt, g.groups, kg, ohw,
                         kg * ohw, ohw, 1),
                matrices(w.data, dt, g.groups, kg, g.out_cg, g.out_cg * kg, 1, kg),
                matrices(offset(gy.data, dt, (b0 + b) * g.out_c * ohw), dt, g.groups, g.out_cg,
                         ohw, g.out_cg * ohw, ohw, 1),
                1.0, 0.0);
      }
    }
    dispatch_floating_types(dt, "conv2d_backward", [&](auto tag) {
      using T = tag_type<decltype(tag)>;
      launch_col2im(gx.ptr<T>() + b0 * g.in_c * g.h * g.w, col.as<T>(), s, n);
    });
  }
}

void im2col_conv_backward_weight(const StridedView& gw, const StridedView& gy,
                                 const StridedView& x, const Conv2dParams& p) {
  check_float(x.dtype, "conv2d_backward");
  const Geometry g = geometry(x, gw, gy, p);
  const ColShape s = col_shape(g, p);
  const DType dt = x.dtype;
  const int64_t chunk = chunk_images(g), kg = g.k_g(), ohw = g.out_hw();
  if (g.batch == 0) {
    backend(Device::cuda()).fill(gw, 0.0);
    return;
  }
  DeviceBuffer col(size_t(chunk * g.col_per_image()) * element_size(dt));
  Backend& be = backend(Device::cuda());
  for (int64_t b0 = 0; b0 < g.batch; b0 += chunk) {
    const int64_t n = std::min(chunk, g.batch - b0);
    dispatch_floating_types(dt, "conv2d_backward", [&](auto tag) {
      using T = tag_type<decltype(tag)>;
      launch_im2col(col.as<T>(), x.ptr<T>() + b0 * g.in_c * g.h * g.w, s, n);
    });
    for (int64_t b = 0; b < n; ++b) {
      // gw_g [Cout_g, K_g] (+)= gy_g [Cout_g, HW_o] @ col_g^T [HW_o, K_g], batched over groups;
      // the first image overwrites, the others add.
      const double beta = b0 + b == 0 ? 0.0 : 1.0;
      be.gemm(matrices(gw.data, dt, g.groups, g.out_cg, kg, g.out_cg * kg, kg, 1),
              matrices(offset(gy.data, dt, (b0 + b) * g.out_c * ohw), dt, g.groups, g.out_cg, ohw,
                       g.out_cg * ohw, ohw, 1),
              matrices(offset(col.data(), dt, b * g.col_per_image()), dt, g.groups, ohw, kg,
                       kg * ohw, 1, ohw),
              1.0, beta);
    }
  }
}

}  // namespace msq::cuda
