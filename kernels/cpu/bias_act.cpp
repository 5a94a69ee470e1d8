// A layer's bias add and activation in one pass on the CPU: y = act(x + bias[c]) over
// [B, C, HW]; the backward recomputes z = x + bias[c] and sums gbias per row (vectorised),
// then the rows of each channel in double, in batch order.
#include <vector>

#include "engine/core/error.h"
#include "kernels/common/unary_math.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/fused_act_rows.h"

namespace msq {

namespace {

void check_bias_act_views(const char* op, const StridedView& x, const StridedView& other,
                          const StridedView& bias) {
  check(x.ndim == 3 && x.is_contiguous() && other.is_contiguous(), op,
        "CPU kernel expects contiguous [B, C, HW] views");
  check(bias.data && bias.ndim == 1 && bias.shape[0] == x.shape[1], op, "bias must be [C]");
}

// y, x: [B, C, HW]; bias: [C]
template <FusedAct kAct, class T>
void bias_act_forward_rows(T* y, const T* x, const T* bias, int64_t batch, int64_t channels,
                           int64_t hw) {
#pragma omp parallel for schedule(static) if (batch * channels * hw > 32768)
  for (int64_t r = 0; r < batch * channels; ++r) {
    const T b = bias[r % channels];
    const T* in = x + r * hw;
    T* out = y + r * hw;
#pragma omp simd
    for (int64_t i = 0; i < hw; ++i) out[i] = in[i] + b;
    cpu::activate_row<kAct>(out, hw);
  }
}

// gx, gy, x: [B, C, HW] (gx may be null); gbias: [C] (may be null)
template <FusedAct kAct, class T>
void bias_act_backward_rows(T* gx, T* gbias, const T* gy, const T* x, const T* bias,
                            int64_t batch, int64_t channels, int64_t hw) {
  // Per-row sums first (rows in parallel), then per channel in batch order: deterministic.
  std::vector<double> row_sums(gbias ? size_t(batch * channels) : 0);
#pragma omp parallel for schedule(static) if (batch * channels * hw > 32768)
  for (int64_t r = 0; r < batch * channels; ++r) {
    const T b = bias[r % channels];
    const T* g = gy + r * hw;
    const T* in = x + r * hw;
    // gz of the row, in gx or (without gx) a per-thread buffer: z, then act'(z) g in place.
    thread_local std::vector<T> row_buffer;
    T* gz = gx ? gx + r * hw : nullptr;
    if (!gz) {
      row_buffer.resize(size_t(hw));
      gz = row_buffer.data();
    }
#pragma omp simd
    for (int64_t i = 0; i < hw; ++i) gz[i] = in[i] + b;
    cpu::activation_grad_row<kAct>(gz, g, hw);
    T s = 0;  // per row in T (vectorised), rows added in double below
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < hw; ++i) s += gz[i];
    if (gbias) row_sums[r] = double(s);
  }
  if (!gbias) return;
  for (int64_t c = 0; c < channels; ++c) {
    double s = 0;
    for (int64_t b = 0; b < batch; ++b) s += row_sums[b * channels + c];
    gbias[c] = T(s);
  }
}

}  // namespace

void CpuBackend::bias_act_forward(const StridedView& y, const StridedView& x,
                                  const StridedView& bias, FusedAct act) {
  check_bias_act_views("bias_act", x, y, bias);
  cpu::dispatch_floating_types(x.dtype, "bias_act", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::with_act(act, [&](auto kind) {
      bias_act_forward_rows<decltype(kind)::value>(y.ptr<T>(), x.ptr<T>(), bias.ptr<T>(), x.shape[0],
                                                   x.shape[1], x.shape[2]);
    });
  });
}

void CpuBackend::bias_act_backward(const StridedView& gx, const StridedView& gbias,
                                   const StridedView& gy, const StridedView& x,
                                   const StridedView& bias, FusedAct act) {
  check_bias_act_views("bias_act_backward", x, gy, bias);
  cpu::dispatch_floating_types(x.dtype, "bias_act_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::with_act(act, [&](auto kind) {
      bias_act_backward_rows<decltype(kind)::value>(gx.ptr<T>(), gbias.ptr<T>(), gy.ptr<T>(), x.ptr<T>(),
                                                    bias.ptr<T>(), x.shape[0], x.shape[1], x.shape[2]);
    });
  });
}

}  // namespace msq
