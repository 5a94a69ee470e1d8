// The CUDA backend's convolution entry points: checks, then cuDNN (conv_cudnn.cpp) when
// available and it has an algorithm for the case, else im2col + GEMM (conv_im2col.cu). The
// bias is msq's own: added to y after the convolution, its gradient reduced per channel.
#include "engine/core/error.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/conv_paths.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

// y: [B, C, HW] += bias: [C].
template <class T>
__global__ void add_bias_kernel(T* y, const T* bias, int64_t channels, int64_t hw, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    y[i] += bias[(i / hw) % channels];
  }
}

// gbias: [C] = the sum of gy: [B, C, HW] over B and HW; one block per channel, summed in
// double (as the CPU's bias_grad).
template <class T>
__global__ void bias_grad_kernel(T* gbias, const T* gy, int64_t batch, int64_t channels,
                                 int64_t hw) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.x, n = batch * hw;
  double acc = 0;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
    const int64_t b = j / hw, i = j % hw;
    acc += double(gy[(b * channels + c) * hw + i]);
  }
  acc = cuda::block_reduce(acc, [](double a, double b) { return a + b; }, scratch);
  if (threadIdx.x == 0) gbias[c] = T(acc);
}

void check_conv_views(const char* op, std::initializer_list<const StridedView*> views) {
  for (const StridedView* v : views) {
    check(v->data == nullptr || v->is_contiguous(), op, "CUDA kernel expects contiguous views");
  }
}

int64_t numel4(const StridedView& v) { return v.shape[0] * v.shape[1] * v.shape[2] * v.shape[3]; }

}  // namespace

void CudaBackend::conv2d_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                                 const StridedView& bias, const Conv2dParams& p) {
  check_conv_views("conv2d", {&y, &x, &w, &bias});
  if (numel4(y) == 0) return;
  if (numel4(x) == 0 || numel4(w) == 0) {
    fill(y, 0.0);  // an empty sum (Cin == 0)
  } else if (!cuda::cudnn_conv_forward(y, x, w, p)) {
    cuda::im2col_conv_forward(y, x, w, p);
  }
  if (!bias.data) return;
  const int64_t channels = y.shape[1], hw = y.shape[2] * y.shape[3], total = numel4(y);
  cuda::dispatch_floating_types(y.dtype, "conv2d", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    add_bias_kernel<T><<<cuda::grid_for(total), cuda::kThreads, 0, cuda::compute_stream()>>>(y.ptr<T>(), bias.ptr<T>(),
                                                                  channels, hw, total);
  });
  MSQ_CUDA_CHECK(cuda::launch_status());
}

void CudaBackend::conv2d_backward_input(const StridedView& gx, const StridedView& gy,
                                        const StridedView& w, const Conv2dParams& p) {
  check_conv_views("conv2d_backward", {&gx, &gy, &w});
  if (numel4(gx) == 0) return;
  if (numel4(gy) == 0 || numel4(w) == 0) {
    fill(gx, 0.0);
    return;
  }
  if (!cuda::cudnn_conv_backward_input(gx, gy, w, p)) cuda::im2col_conv_backward_input(gx, gy, w, p);
}

void CudaBackend::conv2d_backward_weight(const StridedView& gw, const StridedView& gbias,
                                         const StridedView& gy, const StridedView& x,
                                         const Conv2dParams& p) {
  check_conv_views("conv2d_backward", {&gw, &gbias, &gy, &x});
  const int64_t batch = gy.shape[0], channels = gy.shape[1], hw = gy.shape[2] * gy.shape[3];
  if (gbias.data) {
    if (channels > 0) {
      cuda::dispatch_floating_types(gy.dtype, "conv2d_backward", [&](auto tag) {
        using T = cuda::tag_type<decltype(tag)>;
        bias_grad_kernel<T><<<unsigned(channels), cuda::kThreads, 0, cuda::compute_stream()>>>(gbias.ptr<T>(), gy.ptr<T>(),
                                                                     batch, channels, hw);
      });
      MSQ_CUDA_CHECK(cuda::launch_status());
    }
  }
  if (numel4(gw) == 0) return;
  if (numel4(gy) == 0 || numel4(x) == 0) {
    fill(gw, 0.0);
    return;
  }
  if (!cuda::cudnn_conv_backward_weight(gw, gy, x, p)) cuda::im2col_conv_backward_weight(gw, gy, x, p);
}

}  // namespace msq
