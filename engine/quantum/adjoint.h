// Internal to engine/quantum: the adjoint sweep behind vjp() and jacobian() (gradients.h).
#pragma once
#include "engine/quantum/gradients.h"

namespace msq::quantum::detail {

// g: [B][K]. Writes (when not null) grad_inputs [B][n_inputs] and per-sample grad_weights
// [B][n_weights] of sum_k g[b][k] <O_k>_b, overwriting them.
// states: the forward's final states (or null: simulate them here).
void adjoint_sweep(const Circuit& c, const Batch& batch, const double* g, const SimOptions& o,
                   double* grad_inputs, double* grad_weights,
                   const FinalStates* states = nullptr);

}  // namespace msq::quantum::detail
