// The fused forward kernel: per sample, slot values, the groups' matrices, the initial state,
// every op (one __syncthreads each), then every expectation value, in one launch.
#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/statevector/launch_plan.h"
#include "kernels/cuda/statevector/sample_state.cuh"
#include "kernels/cuda/statevector/small_circuit.h"

namespace msq::cuda {
namespace {

// A sample's workspace: psi [2^n], angles [n_slots], op matrices [n_ops], sums [n_obs + 1]
// (the expectation values, then the embedding's squared norm).
template <class R>
struct ForwardWorkspace {
  Cx<R>* psi;
  R* angles;
  M2<R>* mats;
  R* sums;

  static size_t bytes(const sv::Program& p) {
    return align16((size_t(1) << p.n) * sizeof(Cx<R>)) + align16(p.n_slots * sizeof(R)) +
           align16(p.n_ops * sizeof(M2<R>)) + align16((p.n_obs + 1) * sizeof(R));
  }
  __device__ ForwardWorkspace(const sv::Program& p, unsigned char* at) {
    WorkspaceCarver c{at};
    psi = c.take<Cx<R>>(size_t(1) << p.n);
    angles = c.take<R>(p.n_slots);
    mats = c.take<M2<R>>(p.n_ops);
    sums = c.take<R>(p.n_obs + 1);
  }
};

// psi: [B][2^n] per sample (workspace); x: [B][I]; w: [W]; expvals: [B][K];
// final_states: [B][2^n] complex or null. With slot_rows ([B][n_slots]: B rows of slot
// values), row b takes its slots from there and its inputs (amplitude embedding) from sample
// b / rows_per_sample of x. Grid-stride over groups of spb samples.
template <class R>
__global__ void __launch_bounds__(kMaxThreadsPerSample)
    small_forward_kernel(sv::Program p, int64_t B, const R* x, const R* w, R* expvals,
                         Cx<R>* final_states, const R* slot_rows, int64_t rows_per_sample,
                         SampleLayout l) {
  extern __shared__ __align__(16) unsigned char smem[];
  ForwardWorkspace<R> ws(p, sample_workspace(l, smem));
  const int tps = l.tps, r = threadIdx.x % tps;
  const int64_t dim = int64_t(1) << p.n;
  for (int64_t first = int64_t(blockIdx.x) * l.spb; first < B;
       first += int64_t(gridDim.x) * l.spb) {
    const int64_t b_raw = first + threadIdx.x / tps;
    const bool valid = b_raw < B;  // padding samples recompute the last one, writing nothing
    const int64_t b = valid ? b_raw : B - 1;
    // a row of slot values given (parameter-shift runs), or the slots of sample b
    const R* xb = x + (slot_rows ? b / rows_per_sample : b) * p.n_inputs;
    if (slot_rows) {
      for (int s = r; s < p.n_slots; s += tps) ws.angles[s] = slot_rows[b * p.n_slots + s];
    } else {
      load_slot_values(p, xb, w, ws.angles, r, tps);
    }
    for (int k = r; k <= p.n_obs; k += tps) ws.sums[k] = R(0);
    __syncthreads();
    for (int i = r; i < p.n_ops; i += tps)
      if (p.ops[i].type == sv::kOpGroup) ws.mats[i] = group_matrix(p, p.ops[i], ws.angles);
    if (p.embedding.present) embedding_sumsq(p, xb, &ws.sums[p.n_obs], r, tps);
    __syncthreads();
    const R sumsq = ws.sums[p.n_obs];
    const R norm = p.embedding.present && p.embedding.normalize ? sqrt(sumsq) : R(1);
    init_state(p, xb, norm, ws.psi, r, tps);
    __syncthreads();
    for (int i = 0; i < p.n_ops; ++i) {
      const sv::ProgOp op = p.ops[i];
      apply_op(p, op, op.type == sv::kOpGroup ? ws.mats[i] : M2<R>{}, ws.psi, r, tps);
      __syncthreads();
    }
    const StateAt<R> at{ws.psi};
    for (int k = 0; k < p.n_obs; ++k) {
      R acc = 0;
      for (int64_t i = r; i < dim; i += tps)
        acc +=
            sv::cdot(ws.psi[i], sv::observable_apply_at<R>(p.obs[k], p.constants, at, uint64_t(i)))
                .re;
      sample_sum_into(acc, &ws.sums[k], tps);
    }
    if (final_states && valid)
      for (int64_t i = r; i < dim; i += tps) final_states[b * dim + i] = ws.psi[i];
    __syncthreads();
    if (valid)
      for (int k = r; k < p.n_obs; k += tps) expvals[b * p.n_obs + k] = ws.sums[k];
    __syncthreads();  // the workspace is reused by the next group of samples
  }
}

}  // namespace

template <class R>
void small_circuit_forward(const sv::Program& p, int64_t B, const R* x, const R* w, R* expvals,
                           R* final_states) {
  check(p.n >= 1 && p.n <= kMaxSmallCircuitQubits, "small_circuit_forward", p.n,
        " qubits: the fused kernel takes 1..", kMaxSmallCircuitQubits);
  const void* kernel = reinterpret_cast<const void*>(&small_forward_kernel<R>);
  LaunchPlan plan(p.n, B, ForwardWorkspace<R>::bytes(p), kernel, "small_circuit_forward");
  small_forward_kernel<R><<<plan.blocks(), plan.threads(), plan.shared_bytes>>>(
      p, B, x, w, expvals, reinterpret_cast<Cx<R>*>(final_states), nullptr, 1, plan.layout);
  MSQ_CUDA_CHECK(launch_status());
}

template <class R>
void small_circuit_forward_rows(const sv::Program& p, int64_t rows, int64_t rows_per_sample,
                                const R* x, const R* slot_rows, R* expvals) {
  check(p.n >= 1 && p.n <= kMaxSmallCircuitQubits, "small_circuit_forward_rows", p.n,
        " qubits: the fused kernel takes 1..", kMaxSmallCircuitQubits);
  check(rows_per_sample >= 1, "small_circuit_forward_rows", "rows_per_sample ", rows_per_sample);
  const void* kernel = reinterpret_cast<const void*>(&small_forward_kernel<R>);
  LaunchPlan plan(p.n, rows, ForwardWorkspace<R>::bytes(p), kernel, "small_circuit_forward_rows");
  small_forward_kernel<R><<<plan.blocks(), plan.threads(), plan.shared_bytes>>>(
      p, rows, x, nullptr, expvals, nullptr, slot_rows, rows_per_sample, plan.layout);
  MSQ_CUDA_CHECK(launch_status());
}

template void small_circuit_forward<float>(const sv::Program&, int64_t, const float*, const float*,
                                           float*, float*);
template void small_circuit_forward<double>(const sv::Program&, int64_t, const double*,
                                            const double*, double*, double*);
template void small_circuit_forward_rows<float>(const sv::Program&, int64_t, int64_t, const float*,
                                                const float*, float*);
template void small_circuit_forward_rows<double>(const sv::Program&, int64_t, int64_t,
                                                 const double*, const double*, double*);

}  // namespace msq::cuda
