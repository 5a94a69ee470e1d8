// Gradients of a circuit's expectation values with respect to its inputs and weights.
//
// - Adjoint (the default): for upstream gradients g[b][k], one backward sweep per sample
//   with the combined observable H_b = sum_k g[b][k] O_k: |lam> = H_b |psi>, then walking
//   the gates backwards, un-applying each from both states and adding
//   2 Re <lam| dU/dtheta |psi_before> to each of its parameters. Angle inputs get
//   scale * d/dtheta; amplitude-embedding inputs get 2 Re(lam) through the normalisation.
// - Parameter-shift: batched shifted runs, two terms (shift pi/2) for rotations and phase
//   shifts, four terms for controlled rotations. Amplitude-embedding inputs have no shift
//   rule: asking for them is an error.
// - Finite differences (central), on the inputs and weights themselves: for tests.
#pragma once
#include <vector>

#include "engine/quantum/simulator.h"

namespace msq::quantum {

enum class DiffMethod { Adjoint, ParameterShift, FiniteDiff };
const char* diff_method_name(DiffMethod m);
DiffMethod diff_method_from_name(const std::string& name);  // "adjoint", "parameter-shift", ...

struct GradRequest {
  bool inputs = true;
  bool weights = true;
  double fd_step = 0.0;  // finite differences: 0 = 1e-3 (complex64) or 1e-6 (complex128)
};

struct Gradients {
  std::vector<double> inputs;   // [B][n_inputs] (empty when not requested)
  std::vector<double> weights;  // [n_weights], summed over the batch (empty when not requested)
};

// Vector-Jacobian product: grad_out [B][K] -> gradients of sum_{b,k} g[b][k] <O_k>_b.
// With `states` from expectation_values() on the same circuit, batch and options, the adjoint
// method starts from them instead of simulating the forward pass again.
Gradients vjp(const Circuit& c, const Batch& batch, const std::vector<double>& grad_out,
              DiffMethod method = DiffMethod::Adjoint, const SimOptions& options = {},
              const GradRequest& request = {}, const FinalStates* states = nullptr);

struct Jacobian {
  std::vector<double> inputs;   // [B][K][n_inputs]
  std::vector<double> weights;  // [B][K][n_weights] (per sample)
};

// The full Jacobian (adjoint: one sweep per observable).
Jacobian jacobian(const Circuit& c, const Batch& batch, DiffMethod method = DiffMethod::Adjoint,
                  const SimOptions& options = {}, const GradRequest& request = {});

}  // namespace msq::quantum
