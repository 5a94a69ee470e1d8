// The fused adjoint VJP kernel: per sample, the final state (loaded, or simulated here),
// |lam> = sum_k g[b][k] O_k |psi>, then the ops walked backwards, un-applying each from both
// states; a group's gates one by one with no synchronisation between them (a thread keeps
// the same amplitude pairs through a group), each parametrised gate's gradient summed over
// the sample's threads into its slot. Then the slots go to the input gradients (and the
// amplitude embedding's through the normalisation) and to per-sample weight gradients,
// which a second small kernel sums over the batch in a fixed order.
#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/statevector/launch_plan.h"
#include "kernels/cuda/statevector/sample_state.cuh"
#include "kernels/cuda/statevector/small_circuit.h"

namespace msq::cuda {
namespace {

// A sample's workspace: psi and lam [2^n], angles and slot gradients [n_slots], the gates'
// U^dagger [n_gates], sums [2] (the embedding's squared norm and its gradient dot product).
template <class R>
struct VjpWorkspace {
  Cx<R>* psi;
  Cx<R>* lam;
  R* angles;
  R* gslot;
  M2<R>* udag;
  R* sums;

  static size_t bytes(const sv::Program& p) {
    return 2 * align16((size_t(1) << p.n) * sizeof(Cx<R>)) + 2 * align16(p.n_slots * sizeof(R)) +
           align16(p.n_gates * sizeof(M2<R>)) + align16(2 * sizeof(R));
  }
  __device__ VjpWorkspace(const sv::Program& p, unsigned char* at) {
    WorkspaceCarver c{at};
    psi = c.take<Cx<R>>(size_t(1) << p.n);
    lam = c.take<Cx<R>>(size_t(1) << p.n);
    angles = c.take<R>(p.n_slots);
    gslot = c.take<R>(p.n_slots);
    udag = c.take<M2<R>>(p.n_gates);
    sums = c.take<R>(2);
  }
};

// x: [B][I]; w: [W]; g: [B][K]; states: [B][2^n] complex or null; grad_x: [B][I] or null;
// grad_w_rows: [B][W] per-sample weight gradients or null.
template <class R>
__global__ void __launch_bounds__(kMaxThreadsPerSample)
    small_vjp_kernel(sv::Program p, int64_t B, const R* x, const R* w, const R* g,
                     const Cx<R>* states, R* grad_x, R* grad_w_rows, SampleLayout l) {
  extern __shared__ __align__(16) unsigned char smem[];
  VjpWorkspace<R> ws(p, sample_workspace(l, smem));
  const int tps = l.tps, r = threadIdx.x % tps;
  const int64_t dim = int64_t(1) << p.n;
  for (int64_t first = int64_t(blockIdx.x) * l.spb; first < B;
       first += int64_t(gridDim.x) * l.spb) {
    const int64_t b_raw = first + threadIdx.x / tps;
    const bool valid = b_raw < B;
    const int64_t b = valid ? b_raw : B - 1;
    const R* xb = x + b * p.n_inputs;
    load_slot_values(p, xb, w, ws.angles, r, tps);
    for (int s = r; s < p.n_slots; s += tps) ws.gslot[s] = R(0);
    for (int k = r; k < 2; k += tps) ws.sums[k] = R(0);
    __syncthreads();
    for (int j = r; j < p.n_gates; j += tps) {
      const sv::ProgGate& gate = p.gates[j];
      ws.udag[j] =
          sv::dagger(sv::gate_m2(gate, p.constants, gate.slot >= 0 ? ws.angles[gate.slot] : R(0)));
    }
    if (p.embedding.present) embedding_sumsq(p, xb, &ws.sums[0], r, tps);
    __syncthreads();
    const R norm = p.embedding.present && p.embedding.normalize ? sqrt(ws.sums[0]) : R(1);

    // the final state
    if (states) {
      for (int64_t i = r; i < dim; i += tps) ws.psi[i] = states[b * dim + i];
    } else {
      init_state(p, xb, norm, ws.psi, r, tps);
      __syncthreads();
      for (int i = 0; i < p.n_ops; ++i) {
        const sv::ProgOp op = p.ops[i];
        M2<R> m = sv::identity_m2<R>();
        if (op.type == sv::kOpGroup)
          for (int j = 0; j < op.gate_count; ++j)
            m = sv::mul(sv::dagger(ws.udag[op.first_gate + j]), m);
        apply_op(p, op, m, ws.psi, r, tps);
        __syncthreads();
      }
    }
    __syncthreads();

    // lam = H_b psi with H_b = sum_k g[b][k] O_k
    const StateAt<R> at{ws.psi};
    for (int64_t i = r; i < dim; i += tps) {
      Cx<R> acc = sv::cx<R>(0, 0);
      for (int k = 0; k < p.n_obs; ++k)
        acc = acc + sv::scale(sv::observable_apply_at<R>(p.obs[k], p.constants, at, uint64_t(i)),
                              g[b * p.n_obs + k]);
      ws.lam[i] = acc;
    }
    __syncthreads();

    // the ops backwards
    for (int i = p.n_ops - 1; i >= 0; --i) {
      const sv::ProgOp op = p.ops[i];
      const int64_t items = sv::op_items(op, p.n);
      if (op.type == sv::kOpGroup) {
        for (int j = op.gate_count - 1; j >= 0; --j) {
          const sv::ProgGate gate = p.gates[op.first_gate + j];
          const M2<R> ud = ws.udag[op.first_gate + j];
          R term = 0;
          for (int64_t it = r; it < items; it += tps)
            term += sv::adjoint_gate_item(ws.psi, ws.lam, op, gate.kind, ud, uint64_t(it));
          // uniform over the block: the program decides
          if (gate.slot >= 0 && p.slots[gate.slot].source != sv::kSourceConstant)
            sample_sum_into(term, &ws.gslot[gate.slot], tps);
        }
      } else {
        for (int64_t it = r; it < items; it += tps) {
          sv::apply_fixed_op_item(ws.psi, op, p.constants, uint64_t(it), true);
          sv::apply_fixed_op_item(ws.lam, op, p.constants, uint64_t(it), true);
        }
      }
      __syncthreads();
    }

    // slots -> inputs and per-sample weights
    if (grad_x && valid)
      for (int in = r; in < p.n_inputs; in += tps) {
        R acc = 0;
        for (int s = 0; s < p.n_slots; ++s)
          if (p.slots[s].source == sv::kSourceInput && p.slots[s].index == in)
            acc += R(p.slots[s].scale) * ws.gslot[s];
        grad_x[b * p.n_inputs + in] = acc;
      }
    if (grad_w_rows && valid)
      for (int wi = r; wi < p.n_weights; wi += tps) {
        R acc = 0;
        for (int s = 0; s < p.n_slots; ++s)
          if (p.slots[s].source == sv::kSourceWeight && p.slots[s].index == wi)
            acc += R(p.slots[s].scale) * ws.gslot[s];
        grad_w_rows[b * p.n_weights + wi] = acc;
      }
    // amplitude embedding: lam = A^dagger H A phi, d/dphi_j = 2 Re lam_j, then through
    // phi = a / |a|: (gphi_j - phi_j (phi . gphi)) / |a|
    if (p.embedding.present && grad_x) {
      R dot = 0;
      for (int64_t j = r; j < dim; j += tps)
        dot += sv::embedded_value(p.embedding, xb, j) / norm * 2 * ws.lam[j].re;
      sample_sum_into(dot, &ws.sums[1], tps);
      __syncthreads();  // also orders the angle-input writes above before these
      const R d = ws.sums[1];
      if (valid)
        for (int j = r; j < p.embedding.length; j += tps) {
          const R phi = xb[p.embedding.offset + j] / norm;
          const R gphi = 2 * ws.lam[j].re;
          grad_x[b * p.n_inputs + p.embedding.offset + j] +=
              p.embedding.normalize ? (gphi - phi * d) / norm : gphi;
        }
    }
    __syncthreads();
  }
}

// grad_w[j] = sum_b rows[b][j], b in order (deterministic).
template <class R>
__global__ void sum_rows_kernel(const R* rows, int64_t B, int W, R* grad_w) {
  for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < W; j += gridDim.x * blockDim.x) {
    R acc = 0;
    for (int64_t b = 0; b < B; ++b) acc += rows[b * W + j];
    grad_w[j] = acc;
  }
}

}  // namespace

template <class R>
void small_circuit_vjp(const sv::Program& p, int64_t B, const R* x, const R* w, const R* g,
                       const R* states, R* grad_x, R* grad_w) {
  check(p.n >= 1 && p.n <= kMaxSmallCircuitQubits, "small_circuit_vjp", p.n,
        " qubits: the fused kernel takes 1..", kMaxSmallCircuitQubits);
  if (!grad_x && !grad_w) return;
  Allocator& alloc = backend(Device::cuda()).allocator();
  const size_t rows_bytes = grad_w ? size_t(B) * p.n_weights * sizeof(R) : 0;
  R* rows = rows_bytes ? static_cast<R*>(alloc.allocate(rows_bytes)) : nullptr;
  {
    const void* kernel = reinterpret_cast<const void*>(&small_vjp_kernel<R>);
    LaunchPlan plan(p.n, B, VjpWorkspace<R>::bytes(p), kernel, "small_circuit_vjp");
    small_vjp_kernel<R><<<plan.blocks(), plan.threads(), plan.shared_bytes>>>(
        p, B, x, w, g, reinterpret_cast<const Cx<R>*>(states), grad_x, rows, plan.layout);
    MSQ_CUDA_CHECK(launch_status());
  }
  if (grad_w && p.n_weights > 0) {
    sum_rows_kernel<R><<<grid_for(p.n_weights), kThreads>>>(rows, B, p.n_weights, grad_w);
    MSQ_CUDA_CHECK(launch_status());
  }
  if (rows) alloc.deallocate(rows, rows_bytes);
}

template void small_circuit_vjp<float>(const sv::Program&, int64_t, const float*, const float*,
                                       const float*, const float*, float*, float*);
template void small_circuit_vjp<double>(const sv::Program&, int64_t, const double*, const double*,
                                        const double*, const double*, double*, double*);

}  // namespace msq::cuda
