// A fused activation over contiguous rows on the CPU, for batch norm and bias_act: the
// activation is a template argument (so ReLU's loops vectorise), and float SiLU goes
// through the 8-lane forms of vector_math.h (the scalar form does not vectorise).
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/unary_math.h"
#include "kernels/cpu/vector_math.h"
#include "kernels/op_kinds.h"

namespace msq::cpu {

// Calls f(std::integral_constant<FusedAct, act>{}).
template <class F>
void with_act(FusedAct act, F&& f) {
  switch (act) {
    case FusedAct::None: f(std::integral_constant<FusedAct, FusedAct::None>{}); return;
    case FusedAct::Relu: f(std::integral_constant<FusedAct, FusedAct::Relu>{}); return;
    case FusedAct::Silu: f(std::integral_constant<FusedAct, FusedAct::Silu>{}); return;
  }
}

// y[i] = act(y[i]) in place; y: [n].
template <FusedAct kAct, class T>
void activate_row(T* y, int64_t n) {
  if constexpr (kAct == FusedAct::Silu && std::is_same_v<T, float>) {
    vec::unary_contiguous(UnaryOp::Silu, y, y, n);
  } else if constexpr (kAct != FusedAct::None) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = math::fused_act(kAct, y[i]);
  }
}

// z[i] = act'(z[i]) * g[i] in place (z holds the pre-activation on entry); z, g: [n].
template <FusedAct kAct, class T>
void activation_grad_row(T* z, const T* g, int64_t n) {
  if constexpr (kAct == FusedAct::Silu && std::is_same_v<T, float>) {
    vec::unary_grad_contiguous(UnaryOp::Silu, z, g, z, z, n);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) z[i] = math::fused_act_grad(kAct, g[i], z[i]);
  }
}

}  // namespace msq::cpu
