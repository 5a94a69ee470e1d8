// A residual sum and its activation in one pass on the CPU: y = act(a + b) over contiguous
// tensors of one shape, in blocks that stay in L1 between the add and the activation.
#include <algorithm>

#include "engine/core/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/fused_act_rows.h"

namespace msq {

namespace {

// y, a, b: [n]
template <FusedAct kAct, class T>
void add_act_contiguous(T* y, const T* a, const T* b, int64_t n) {
  constexpr int64_t kBlock = 2048;  // 8 KiB of float: the activation pass reads it from L1
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t begin = blk * kBlock, len = std::min(kBlock, n - begin);
    T* out = y + begin;
    const T* pa = a + begin;
    const T* pb = b + begin;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) out[i] = pa[i] + pb[i];
    cpu::activate_row<kAct>(out, len);
  }
}

}  // namespace

void CpuBackend::add_act_forward(const StridedView& y, const StridedView& a, const StridedView& b,
                                 FusedAct act) {
  check(y.is_contiguous() && a.is_contiguous() && b.is_contiguous() && y.numel() == a.numel() &&
            y.numel() == b.numel(),
        "add_act", "CPU kernel expects three contiguous views of one size");
  cpu::dispatch_floating_types(a.dtype, "add_act", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::with_act(act, [&](auto kind) {
      add_act_contiguous<decltype(kind)::value>(y.ptr<T>(), a.ptr<T>(), b.ptr<T>(), y.numel());
    });
  });
}

}  // namespace msq
