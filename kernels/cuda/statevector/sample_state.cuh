// Per-sample steps shared by the forward and VJP kernels, each run by the `tps` threads of
// one sample (rank r = 0..tps-1) on its workspace; callers synchronise between steps.
#pragma once
#include "kernels/common/sv_program.h"
#include "kernels/cuda/statevector/sample_group.cuh"

namespace msq::cuda {

using sv::Cx;
using sv::M2;

// angles[s] = the value of slot s for this sample.
template <class R>
__device__ inline void load_slot_values(const sv::Program& p, const R* xb, const R* w, R* angles,
                                        int r, int tps) {
  for (int s = r; s < p.n_slots; s += tps) angles[s] = sv::slot_value(p.slots[s], xb, w);
}

// The product of a Group op's gate matrices (its first gate applied first).
template <class R>
__device__ inline M2<R> group_matrix(const sv::Program& p, const sv::ProgOp& op, const R* angles) {
  M2<R> m = sv::identity_m2<R>();
  for (int j = 0; j < op.gate_count; ++j) {
    const sv::ProgGate& g = p.gates[op.first_gate + j];
    m = sv::mul(sv::gate_m2(g, p.constants, g.slot >= 0 ? angles[g.slot] : R(0)), m);
  }
  return m;
}

// *sumsq += sum_j a_j^2 over the embedded amplitudes (the squared norm, before scaling).
template <class R>
__device__ inline void embedding_sumsq(const sv::Program& p, const R* xb, R* sumsq, int r,
                                       int tps) {
  const int64_t dim = int64_t(1) << p.n;
  R acc = 0;
  for (int64_t j = r; j < dim; j += tps) {
    const R v = sv::embedded_value(p.embedding, xb, j);
    acc += v * v;
  }
  sample_sum_into(acc, sumsq, tps);
}

// The initial state: |0...0>, or the embedded amplitudes divided by `norm`.
template <class R>
__device__ inline void init_state(const sv::Program& p, const R* xb, R norm, Cx<R>* psi, int r,
                                  int tps) {
  const int64_t dim = int64_t(1) << p.n;
  for (int64_t j = r; j < dim; j += tps) {
    if (p.embedding.present)
      psi[j] = sv::cx<R>(sv::embedded_value(p.embedding, xb, j) / norm, R(0));
    else
      psi[j] = sv::cx<R>(j == 0 ? R(1) : R(0), R(0));
  }
}

// Applies op i (Group ops with their precomputed matrix `m`); the caller synchronises after.
template <class R>
__device__ inline void apply_op(const sv::Program& p, const sv::ProgOp& op, const M2<R>& m,
                                Cx<R>* psi, int r, int tps) {
  const int64_t items = sv::op_items(op, p.n);
  if (op.type == sv::kOpGroup) {
    for (int64_t it = r; it < items; it += tps) sv::apply_group_item(psi, op, m, uint64_t(it));
  } else {
    for (int64_t it = r; it < items; it += tps)
      sv::apply_fixed_op_item(psi, op, p.constants, uint64_t(it), false);
  }
}

// Reads amplitude i of a state for observable_apply_at.
template <class R>
struct StateAt {
  const Cx<R>* psi;
  __device__ Cx<R> operator()(uint64_t i) const { return psi[i]; }
};

}  // namespace msq::cuda
