// Batch normalisation over x: [B, C, HW] on the GPU, the CPU kernel's formulas
// (kernels/cpu/batch_norm.cpp): two passes per channel for the statistics (mean, then centred
// squares), summed in double, then an elementwise pass.
// Forward:  channel_stats_kernel (one block per channel: batch or running statistics, the
//           running-stat update, save_mean / save_invstd), then normalize_kernel.
// Backward: channel_grad_kernel (one block per channel: sum(gy) and sum(gy (x - mean)),
//           gweight / gbias, the coefficients of gx), then input_grad_kernel.
#include "engine/core/error.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"

namespace msq {

namespace {

constexpr int kStatThreads = 512;

struct Sum {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// The value j of channel c's B * HW values in x: [B, C, HW].
template <class T>
__device__ __forceinline__ T channel_value(const T* x, int64_t c, int64_t j, int64_t channels,
                                           int64_t hw) {
  return x[((j / hw) * channels + c) * hw + j % hw];
}

// One block per channel c. training: batch mean and biased variance (and the running-stat
// update when running_mean is given); otherwise the running statistics. Writes
// save_mean[c], save_invstd[c].
template <class T>
__global__ void channel_stats_kernel(T* save_mean, T* save_invstd, const T* x, T* running_mean,
                                     T* running_var, int64_t batch, int64_t channels, int64_t hw,
                                     bool training, double momentum, double eps) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.x, n = batch * hw;
  double mean, invstd;
  if (training) {
    double s = 0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += double(channel_value(x, c, j, channels, hw));
    mean = cuda::block_reduce(s, Sum(), scratch) / double(n);
    double sq = 0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const double d = double(channel_value(x, c, j, channels, hw)) - mean;
      sq += d * d;
    }
    const double var = cuda::block_reduce(sq, Sum(), scratch) / double(n);
    invstd = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0 && running_mean) {
      running_mean[c] = T((1 - momentum) * double(running_mean[c]) + momentum * mean);
      const double unbiased = n > 1 ? var * double(n) / double(n - 1) : var;
      running_var[c] = T((1 - momentum) * double(running_var[c]) + momentum * unbiased);
    }
  } else {
    mean = double(running_mean[c]);
    invstd = 1.0 / sqrt(double(running_var[c]) + eps);
  }
  if (threadIdx.x == 0) {
    save_mean[c] = T(mean);
    save_invstd[c] = T(invstd);
  }
}

// y = (x - mean[c]) * invstd[c] * weight[c] + bias[c] over y, x: [B, C, HW].
template <class T>
__global__ void normalize_kernel(T* y, const T* x, const T* mean, const T* invstd, const T* weight,
                                 const T* bias, int64_t channels, int64_t hw, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / hw) % channels;
    const T a = weight ? invstd[c] * weight[c] : invstd[c];
    y[i] = (x[i] - mean[c]) * a + (bias ? bias[c] : T(0));
  }
}

// One block per channel: gbias[c] = sum(gy), gweight[c] = sum(gy (x - mean)) * invstd, and
// coef[c], coef[C + c], coef[2C + c] = the k, mean_gy, proj of
// gx = k (gy - mean_gy - (x - mean) proj) (mean_gy = proj = 0 in evaluation).
template <class T>
__global__ void channel_grad_kernel(T* gweight, T* gbias, T* coef, const T* gy, const T* x,
                                    const T* weight, const T* save_mean, const T* save_invstd,
                                    int64_t batch, int64_t channels, int64_t hw, bool training) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.x, n = batch * hw;
  const T mean = save_mean[c];
  double s0 = 0, s1 = 0;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
    const double g = double(channel_value(gy, c, j, channels, hw));
    s0 += g;
    s1 += g * double(channel_value(x, c, j, channels, hw) - mean);
  }
  const double sum_gy = cuda::block_reduce(s0, Sum(), scratch);
  const double sum_gy_xc = cuda::block_reduce(s1, Sum(), scratch);
  if (threadIdx.x != 0) return;
  const double invstd = double(save_invstd[c]);
  if (gbias) gbias[c] = T(sum_gy);
  if (gweight) gweight[c] = T(sum_gy_xc * invstd);
  if (!coef) return;
  const double w = weight ? double(weight[c]) : 1.0;
  coef[c] = T(w * invstd);
  coef[channels + c] = training ? T(sum_gy / double(n)) : T(0);
  coef[2 * channels + c] = training ? T(sum_gy_xc * invstd * invstd / double(n)) : T(0);
}

// gx = k (gy - mean_gy - (x - mean) proj) over gx, gy, x: [B, C, HW], coef as above.
template <class T>
__global__ void input_grad_kernel(T* gx, const T* gy, const T* x, const T* mean, const T* coef,
                                  int64_t channels, int64_t hw, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / hw) % channels;
    gx[i] = coef[c] * (gy[i] - coef[channels + c] - (x[i] - mean[c]) * coef[2 * channels + c]);
  }
}

void check_bn_views(const char* op, const StridedView& x, const StridedView& other) {
  check(x.ndim == 3 && x.is_contiguous() && other.is_contiguous(), op,
        "CUDA kernel expects contiguous [B, C, HW] views");
}

}  // namespace

void CudaBackend::batch_norm_forward(const StridedView& y, const StridedView& save_mean,
                                     const StridedView& save_invstd, const StridedView& x,
                                     const StridedView& weight, const StridedView& bias,
                                     const StridedView& running_mean,
                                     const StridedView& running_var, bool training,
                                     double momentum, double eps) {
  check_bn_views("batch_norm", x, y);
  check(training || running_mean.data, "batch_norm", "evaluation needs running statistics");
  const int64_t batch = x.shape[0], channels = x.shape[1], hw = x.shape[2];
  const int64_t total = batch * channels * hw;
  if (channels == 0) return;
  cuda::dispatch_floating_types(x.dtype, "batch_norm", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    channel_stats_kernel<T><<<unsigned(channels), training ? kStatThreads : 32>>>(
        save_mean.ptr<T>(), save_invstd.ptr<T>(), x.ptr<T>(), running_mean.ptr<T>(),
        running_var.ptr<T>(), batch, channels, hw, training, momentum, eps);
    MSQ_CUDA_CHECK(cuda::launch_status());
    if (total == 0) return;
    normalize_kernel<T><<<cuda::grid_for(total), cuda::kThreads>>>(
        y.ptr<T>(), x.ptr<T>(), save_mean.ptr<T>(), save_invstd.ptr<T>(), weight.ptr<T>(),
        bias.ptr<T>(), channels, hw, total);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

void CudaBackend::batch_norm_backward(const StridedView& gx, const StridedView& gweight,
                                      const StridedView& gbias, const StridedView& gy,
                                      const StridedView& x, const StridedView& weight,
                                      const StridedView& save_mean,
                                      const StridedView& save_invstd, bool training) {
  check_bn_views("batch_norm_backward", x, gy);
  const int64_t batch = x.shape[0], channels = x.shape[1], hw = x.shape[2];
  const int64_t total = batch * channels * hw;
  if (channels == 0) return;
  const size_t elem = x.dtype == DType::Float64 ? 8 : 4;
  cuda::DeviceBuffer coef(gx.data ? size_t(3 * channels) * elem : 0);
  cuda::dispatch_floating_types(x.dtype, "batch_norm_backward", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    channel_grad_kernel<T><<<unsigned(channels), kStatThreads>>>(
        gweight.ptr<T>(), gbias.ptr<T>(), coef.as<T>(), gy.ptr<T>(), x.ptr<T>(), weight.ptr<T>(),
        save_mean.ptr<T>(), save_invstd.ptr<T>(), batch, channels, hw, training);
    MSQ_CUDA_CHECK(cuda::launch_status());
    if (!gx.data || total == 0) return;
    input_grad_kernel<T><<<cuda::grid_for(total), cuda::kThreads>>>(
        gx.ptr<T>(), gy.ptr<T>(), x.ptr<T>(), save_mean.ptr<T>(), coef.as<T>(), channels, hw,
        total);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
