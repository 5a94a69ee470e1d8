// Batch normalisation over x: [B, C, HW] on the GPU, the CPU kernel's formulas
// (kernels/cpu/batch_norm.cpp) with the sums in double.
// The per-channel sums are split over many blocks (a channel of an early layer holds
// B * HW ~ 10^5..10^6 values, and there may be only 64 channels): grid (splits, C), each
// block sums its slice of one channel into partials [C, splits, 2]; one thread per channel
// then adds its splits in a fixed order (deterministic) and finishes.
// Forward:  channel_partials_kernel (sum x, sum x^2), finish_stats_kernel (batch or running
//           statistics, the running-stat update, save_mean / save_invstd), normalize_kernel.
// Backward: channel_partials_kernel (sum gy, sum gy (x - mean)), finish_grad_kernel
//           (gweight / gbias and the coefficients of gx), input_grad_kernel.
// The variance is E[x^2] - mean^2 in double: exact enough unless |mean| / std > ~10^6.
// A fused activation (FusedAct) is applied in normalize_kernel; the backward reads
// gz = act'(z) gy instead of gy, with z recomputed from x by the forward's expression
// (pre_activation), so the ReLU mask is the forward's.
#include <algorithm>

#include "engine/core/error.h"
#include "kernels/common/unary_math.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

constexpr int kPartialThreads = 256;
constexpr int64_t kMinPerBlock = 4096;  // values of one channel per block, at least

struct Sum {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// How a channel's n = B * HW values are split over blocks: enough blocks in all for a few
// waves, none with fewer than kMinPerBlock values (unless the channel has fewer).
int64_t splits_for(int64_t channels, int64_t n) {
  const int64_t want = std::max<int64_t>(1, 4 * cuda::multiprocessor_count() / std::max<int64_t>(channels, 1));
  const int64_t most = std::max<int64_t>(1, (n + kMinPerBlock - 1) / kMinPerBlock);
  return std::min(want, most);
}

// z = (x - mean[c]) * invstd[c] * weight[c] + bias[c]: the forward's normalised value, in
// the same expression in both directions.
template <class T>
__device__ __forceinline__ T pre_activation(T x, int64_t c, const T* mean, const T* invstd,
                                            const T* weight, const T* bias) {
  const T a = weight ? invstd[c] * weight[c] : invstd[c];
  return (x - mean[c]) * a + (bias ? bias[c] : T(0));
}

// The gradient the batch-norm formulas see: gy, or act'(z) gy after a fused activation.
template <class T>
struct GradInputs {
  const T* gy;
  FusedAct act;
  const T* invstd;  // [C] (with weight and bias: what pre_activation needs)
  const T* weight;  // null: no affine
  const T* bias;    // null: no affine
  __device__ __forceinline__ T at(int64_t i, T x, int64_t c, const T* mean) const {
    if (act == FusedAct::None) return gy[i];
    return math::fused_act_grad(act, gy[i], pre_activation(x, c, mean, invstd, weight, bias));
  }
};

// What channel_partials_kernel sums: x and x^2 (forward), or g and g (x - mean[c])
// (backward, when grad.gy is given; g = GradInputs::at).
template <class T>
struct PartialInputs {
  const T* x;
  GradInputs<T> grad;  // grad.gy null in the forward
  const T* mean;       // [C], backward only
};

// Block (split s, channel c) sums its slice [s * per, (s + 1) * per) of channel c's values
// j = b * HW + i (at ((b * C + c) * HW + i)) into partials[(c * splits + s) * 2 + {0, 1}].
// Each thread walks its values with a (b, i) cursor: no division per element.
template <class T>
__global__ void channel_partials_kernel(double* partials, PartialInputs<T> in, int64_t batch,
                                        int64_t channels, int64_t hw, int64_t per) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.y, splits = gridDim.x, n = batch * hw;
  const int64_t j0 = blockIdx.x * per, j1 = j0 + per < n ? j0 + per : n;
  const int64_t stride = blockDim.x, step_b = stride / hw, step_i = stride % hw;
  double a0 = 0, a1 = 0;
  int64_t j = j0 + threadIdx.x;
  int64_t b = j / hw, i = j % hw;
  const double m = in.grad.gy ? double(in.mean[c]) : 0.0;
  for (; j < j1; j += stride) {
    const int64_t at = (b * channels + c) * hw + i;
    const double v = double(in.x[at]);
    if (in.grad.gy) {
      const double g = double(in.grad.at(at, in.x[at], c, in.mean));
      a0 += g;
      a1 += g * (v - m);
    } else {
      a0 += v;
      a1 += v * v;
    }
    b += step_b;
    i += step_i;
    if (i >= hw) {
      i -= hw;
      ++b;
    }
  }
  a0 = cuda::block_reduce(a0, Sum(), scratch);
  a1 = cuda::block_reduce(a1, Sum(), scratch);
  if (threadIdx.x == 0) {
    partials[(c * splits + blockIdx.x) * 2] = a0;
    partials[(c * splits + blockIdx.x) * 2 + 1] = a1;
  }
}

// The sums of channel c over its splits, in split order.
__device__ __forceinline__ void add_splits(const double* partials, int64_t c, int64_t splits,
                                          double& s0, double& s1) {
  s0 = 0;
  s1 = 0;
  for (int64_t s = 0; s < splits; ++s) {
    s0 += partials[(c * splits + s) * 2];
    s1 += partials[(c * splits + s) * 2 + 1];
  }
}

// One thread per channel. training: batch mean and biased variance from the partial sums
// (and the running-stat update when running_mean is given); otherwise the running
// statistics. Writes save_mean[c], save_invstd[c].
template <class T>
__global__ void finish_stats_kernel(T* save_mean, T* save_invstd, const double* partials,
                                    int64_t splits, T* running_mean, T* running_var,
                                    int64_t channels, int64_t n, bool training, double momentum,
                                    double eps) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= channels) return;
  double mean, invstd;
  if (training) {
    double sum, sum_sq;
    add_splits(partials, c, splits, sum, sum_sq);
    mean = sum / double(n);
    const double var = fmax(sum_sq / double(n) - mean * mean, 0.0);
    invstd = 1.0 / sqrt(var + eps);
    if (running_mean) {
      running_mean[c] = T((1 - momentum) * double(running_mean[c]) + momentum * mean);
      const double unbiased = n > 1 ? var * double(n) / double(n - 1) : var;
      running_var[c] = T((1 - momentum) * double(running_var[c]) + momentum * unbiased);
    }
  } else {
    mean = double(running_mean[c]);
    invstd = 1.0 / sqrt(double(running_var[c]) + eps);
  }
  save_mean[c] = T(mean);
  save_invstd[c] = T(invstd);
}

// y = act((x - mean[c]) * invstd[c] * weight[c] + bias[c]) over y, x: [B, C, HW].
template <class T>
__global__ void normalize_kernel(T* y, const T* x, const T* mean, const T* invstd, const T* weight,
                                 const T* bias, int64_t channels, int64_t hw, int64_t total,
                                 FusedAct act) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / hw) % channels;
    y[i] = math::fused_act(act, pre_activation(x[i], c, mean, invstd, weight, bias));
  }
}

// One thread per channel, from the partial sums of gy and gy (x - mean):
// gbias[c] = sum(gy), gweight[c] = sum(gy (x - mean)) * invstd, and coef[c], coef[C + c],
// coef[2C + c] = the k, mean_gy, proj of gx = k (gy - mean_gy - (x - mean) proj)
// (mean_gy = proj = 0 in evaluation).
template <class T>
__global__ void finish_grad_kernel(T* gweight, T* gbias, T* coef, const double* partials,
                                   int64_t splits, const T* weight, const T* save_invstd,
                                   int64_t channels, int64_t n, bool training) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= channels) return;
  double sum_gy, sum_gy_xc;
  add_splits(partials, c, splits, sum_gy, sum_gy_xc);
  const double invstd = double(save_invstd[c]);
  if (gbias) gbias[c] = T(sum_gy);
  if (gweight) gweight[c] = T(sum_gy_xc * invstd);
  if (!coef) return;
  const double w = weight ? double(weight[c]) : 1.0;
  coef[c] = T(w * invstd);
  coef[channels + c] = training && n > 0 ? T(sum_gy / double(n)) : T(0);
  coef[2 * channels + c] = training && n > 0 ? T(sum_gy_xc * invstd * invstd / double(n)) : T(0);
}

// gx = k (g - mean_gy - (x - mean) proj) over gx, gy, x: [B, C, HW], coef as above
// (g = gy, or act'(z) gy with a fused activation).
template <class T>
__global__ void input_grad_kernel(T* gx, GradInputs<T> grad, const T* x, const T* mean,
                                  const T* coef, int64_t channels, int64_t hw, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / hw) % channels;
    const T g = grad.at(i, x[i], c, mean);
    gx[i] = coef[c] * (g - coef[channels + c] - (x[i] - mean[c]) * coef[2 * channels + c]);
  }
}

void check_bn_views(const char* op, const StridedView& x, const StridedView& other) {
  check(x.ndim == 3 && x.is_contiguous() && other.is_contiguous(), op,
        "CUDA kernel expects contiguous [B, C, HW] views");
}

// Fills partials [C, splits, 2] for the forward (gy null) or the backward.
template <class T>
void launch_partials(const cuda::DeviceBuffer& partials, int64_t splits,
                     const PartialInputs<T>& in, int64_t batch, int64_t channels, int64_t hw) {
  const int64_t n = batch * hw, per = (n + splits - 1) / splits;
  if (n == 0) {  // empty channels: zero sums (and no division by hw == 0 in the kernel)
    MSQ_CUDA_CHECK(cudaMemset(partials.data(), 0, partials.bytes()));
    return;
  }
  check(channels <= 65535, "batch_norm", channels, " channels exceed the grid's limit (65535)");
  dim3 grid(static_cast<unsigned>(splits), static_cast<unsigned>(channels));
  channel_partials_kernel<T><<<grid, kPartialThreads, 0, cuda::compute_stream()>>>(partials.as<double>(), in, batch, channels,
                                                        hw, std::max<int64_t>(per, 1));
  MSQ_CUDA_CHECK(cuda::launch_status());
}

unsigned blocks_for_channels(int64_t channels) {
  return static_cast<unsigned>((channels + cuda::kThreads - 1) / cuda::kThreads);
}

}  // namespace

void CudaBackend::batch_norm_forward(const StridedView& y, const StridedView& save_mean,
                                     const StridedView& save_invstd, const StridedView& x,
                                     const StridedView& weight, const StridedView& bias,
                                     const StridedView& running_mean,
                                     const StridedView& running_var, bool training,
                                     double momentum, double eps, FusedAct act) {
  check_bn_views("batch_norm", x, y);
  check(training || running_mean.data, "batch_norm", "evaluation needs running statistics");
  const int64_t batch = x.shape[0], channels = x.shape[1], hw = x.shape[2];
  const int64_t n = batch * hw, total = channels * n;
  if (channels == 0) return;
  const int64_t splits = training ? splits_for(channels, n) : 0;
  cuda::DeviceBuffer partials(size_t(channels * splits * 2) * sizeof(double));
  cuda::dispatch_floating_types(x.dtype, "batch_norm", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    if (training) {
      launch_partials<T>(partials, splits, {x.ptr<T>(), {}, nullptr}, batch, channels, hw);
    }
    finish_stats_kernel<T><<<blocks_for_channels(channels), cuda::kThreads, 0, cuda::compute_stream()>>>(
        save_mean.ptr<T>(), save_invstd.ptr<T>(), partials.as<double>(), splits,
        running_mean.ptr<T>(), running_var.ptr<T>(), channels, n, training, momentum, eps);
    MSQ_CUDA_CHECK(cuda::launch_status());
    if (total == 0) return;
    normalize_kernel<T><<<cuda::grid_for(total), cuda::kThreads, 0, cuda::compute_stream()>>>(
        y.ptr<T>(), x.ptr<T>(), save_mean.ptr<T>(), save_invstd.ptr<T>(), weight.ptr<T>(),
        bias.ptr<T>(), channels, hw, total, act);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

void CudaBackend::batch_norm_backward(const StridedView& gx, const StridedView& gweight,
                                      const StridedView& gbias, const StridedView& gy,
                                      const StridedView& x, const StridedView& weight,
                                      const StridedView& bias, const StridedView& save_mean,
                                      const StridedView& save_invstd, bool training,
                                      FusedAct act) {
  check_bn_views("batch_norm_backward", x, gy);
  const int64_t batch = x.shape[0], channels = x.shape[1], hw = x.shape[2];
  const int64_t n = batch * hw, total = channels * n;
  if (channels == 0) return;
  const int64_t splits = splits_for(channels, n);
  const size_t elem = x.dtype == DType::Float64 ? 8 : 4;
  cuda::DeviceBuffer partials(size_t(channels * splits * 2) * sizeof(double));
  cuda::DeviceBuffer coef(gx.data ? size_t(3 * channels) * elem : 0);
  cuda::dispatch_floating_types(x.dtype, "batch_norm_backward", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    const GradInputs<T> grad{gy.ptr<T>(), act, save_invstd.ptr<T>(), weight.ptr<T>(), bias.ptr<T>()};
    launch_partials<T>(partials, splits, {x.ptr<T>(), grad, save_mean.ptr<T>()}, batch, channels, hw);
    finish_grad_kernel<T><<<blocks_for_channels(channels), cuda::kThreads, 0, cuda::compute_stream()>>>(
        gweight.ptr<T>(), gbias.ptr<T>(), coef.as<T>(), partials.as<double>(), splits,
        weight.ptr<T>(), save_invstd.ptr<T>(), channels, n, training);
    MSQ_CUDA_CHECK(cuda::launch_status());
    if (!gx.data || total == 0) return;
    input_grad_kernel<T><<<cuda::grid_for(total), cuda::kThreads, 0, cuda::compute_stream()>>>(
        gx.ptr<T>(), grad, x.ptr<T>(), save_mean.ptr<T>(), coef.as<T>(), channels, hw, total);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
