// Compiles a Circuit into the flat program of the fused small-circuit GPU kernels
// (kernels/common/sv_program.h), and runs the same program on the host with the same
// per-item math, one sample at a time: the reference that pins down everything but the
// kernels' thread/shared-memory layer on a machine without a GPU.
//
// Compilation: wires become bits (wire w -> bit n - 1 - w); Rot becomes RZ RY RZ (three
// slots); one-qubit gates join the open group of their wire (the last op on that wire, when
// it is an uncontrolled group: gates on other wires commute with it); CNOT/Toffoli become
// FlipX, CZ/CRX/CRY/CRZ/ControlledPhaseShift a one-gate group with its control mask, SWAP a
// Swap, a two-qubit QubitUnitary a Matrix2.
#pragma once
#include <vector>

#include "engine/quantum/circuit.h"
#include "kernels/common/sv_program.h"

namespace msq::quantum {

struct GpuProgram {
  int n = 0, n_inputs = 0, n_weights = 0;
  std::vector<sv::ProgOp> ops;
  std::vector<sv::ProgGate> gates;
  std::vector<sv::ProgSlot> slots;
  std::vector<sv::ProgObservable> observables;
  std::vector<double> constants;
  sv::ProgEmbedding embedding;

  // A view with host pointers (valid while this object lives).
  sv::Program view() const;
};

// `fuse`: join runs of one-qubit gates on a wire into one group (off: a group per gate).
GpuProgram compile_gpu_program(const Circuit& c, bool fuse = true);

// Parameter-shift runs, one per (non-constant slot, term): the slot, its shift and the term's
// coefficient (two terms, +-pi/2, for rotations and phases; four for controlled rotations),
// and the scale onto its input / weight, so that d/dinput_i = sum over runs r of
// to_inputs[r][i] * coef_r * E(slot_r shifted by shift_r), likewise for weights.
struct ShiftRuns {
  std::vector<int64_t> slot;
  std::vector<double> shift, coef;
  std::vector<double> to_inputs;   // [runs][n_inputs]
  std::vector<double> to_weights;  // [runs][n_weights]
};
ShiftRuns parameter_shift_runs(const GpuProgram& p);

// The host executor, sample by sample. x: [B][n_inputs], w: [n_weights].
// Returns [B][K] expectation values; with `final_states`, also [B][2^n] states (re, im).
template <class R>
std::vector<double> run_program_host(const GpuProgram& p, int64_t B, const std::vector<double>& x,
                                     const std::vector<double>& w,
                                     std::vector<double>* final_states = nullptr);

// The adjoint VJP of sum_{b,k} g[b][k] <O_k>_b. Writes grad_x [B][n_inputs] and grad_w
// [n_weights] (summed over the batch).
template <class R>
void vjp_program_host(const GpuProgram& p, int64_t B, const std::vector<double>& x,
                      const std::vector<double>& w, const std::vector<double>& g,
                      std::vector<double>* grad_x, std::vector<double>* grad_w);

}  // namespace msq::quantum
