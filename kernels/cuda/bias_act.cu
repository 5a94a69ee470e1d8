// A layer's bias add and activation in one pass on the GPU, the CPU kernel's formulas
// (kernels/cpu/bias_act.cpp): y = act(x + bias[c]) over [B, C, HW]; the backward writes
// gx = act'(x + bias[c]) gy and sums gbias per channel in double, one block per channel in
// a fixed order (deterministic, no atomics).
#include "engine/core/error.h"
#include "kernels/common/unary_math.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

struct SumDouble {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// y, x: [B, C, HW]; bias: [C]
template <class T>
__global__ void bias_act_forward_kernel(T* y, const T* x, const T* bias, int64_t channels,
                                        int64_t hw, int64_t total, FusedAct act) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / hw) % channels;
    y[i] = math::fused_act(act, x[i] + bias[c]);
  }
}

// gx, gy, x: [B, C, HW] (gx may be null); gbias: [C] (may be null). Block c walks channel c's
// B * HW values with a (b, i) cursor.
template <class T>
__global__ void bias_act_backward_kernel(T* gx, T* gbias, const T* gy, const T* x, const T* bias,
                                         int64_t batch, int64_t channels, int64_t hw,
                                         FusedAct act) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.x, n = batch * hw;
  const int64_t stride = blockDim.x, step_b = stride / hw, step_i = stride % hw;
  const T bc = bias[c];
  double s = 0;
  int64_t j = threadIdx.x, b = j / hw, i = j % hw;
  for (; j < n; j += stride) {
    const int64_t at = (b * channels + c) * hw + i;
    const T gz = math::fused_act_grad(act, gy[at], x[at] + bc);
    if (gx) gx[at] = gz;
    s += double(gz);
    b += step_b;
    i += step_i;
    if (i >= hw) {
      i -= hw;
      ++b;
    }
  }
  s = cuda::block_reduce(s, SumDouble(), scratch);
  if (gbias && threadIdx.x == 0) gbias[c] = T(s);
}

void check_bias_act_views(const char* op, const StridedView& x, const StridedView& other,
                          const StridedView& bias) {
  check(x.ndim == 3 && x.is_contiguous() && other.is_contiguous(), op,
        "CUDA kernel expects contiguous [B, C, HW] views");
  check(bias.data && bias.ndim == 1 && bias.shape[0] == x.shape[1], op, "bias must be [C]");
}

}  // namespace

void CudaBackend::bias_act_forward(const StridedView& y, const StridedView& x,
                                   const StridedView& bias, FusedAct act) {
  check_bias_act_views("bias_act", x, y, bias);
  const int64_t channels = x.shape[1], hw = x.shape[2], total = x.shape[0] * channels * hw;
  if (total == 0) return;
  cuda::dispatch_floating_types(x.dtype, "bias_act", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    bias_act_forward_kernel<T><<<cuda::grid_for(total), cuda::kThreads, 0, cuda::compute_stream()>>>(
        y.ptr<T>(), x.ptr<T>(), bias.ptr<T>(), channels, hw, total, act);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

void CudaBackend::bias_act_backward(const StridedView& gx, const StridedView& gbias,
                                    const StridedView& gy, const StridedView& x,
                                    const StridedView& bias, FusedAct act) {
  check_bias_act_views("bias_act_backward", x, gy, bias);
  const int64_t batch = x.shape[0], channels = x.shape[1], hw = x.shape[2];
  if (channels == 0) return;
  check(channels <= 2147483647, "bias_act_backward", "too many channels for the grid");
  if (batch * hw == 0) {  // no values: gbias is zero (and hw == 0 must not reach the kernel)
    if (gbias.data) fill(gbias, 0.0);
    return;
  }
  cuda::dispatch_floating_types(x.dtype, "bias_act_backward", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    bias_act_backward_kernel<T><<<static_cast<unsigned>(channels), cuda::kThreads, 0, cuda::compute_stream()>>>(
        gx.ptr<T>(), gbias.ptr<T>(), gy.ptr<T>(), x.ptr<T>(), bias.ptr<T>(), batch, channels, hw,
        act);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
