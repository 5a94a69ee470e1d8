// The adjoint method (gradients.h): per tile of samples, one forward run, |lam> = H_b |psi>
// with the combined observable, then one backward walk over the fused ops: a run of
// one-qubit gates on a wire (or one controlled rotation) is a single adjoint_block1 pass that
// yields every gradient of the run; other ops are un-applied from both states.
#include "engine/quantum/adjoint.h"

#include <cmath>
#include <type_traits>

#include "engine/quantum/runner.h"

namespace msq::quantum::detail {

namespace {

sv::StepKind step_kind(GateKind k) {
  switch (k) {
    case GateKind::RX: case GateKind::CRX: return sv::StepKind::RX;
    case GateKind::RY: case GateKind::CRY: return sv::StepKind::RY;
    case GateKind::RZ: case GateKind::CRZ: return sv::StepKind::RZ;
    case GateKind::PhaseShift: case GateKind::CPhase: return sv::StepKind::Phase;
    default: return sv::StepKind::Matrix;
  }
}

// One gate of a block, planned once per run.
template <class R>
struct StepPlan {
  int gate = 0;
  sv::StepKind kind = sv::StepKind::Matrix;
  std::vector<int> params;  // parameters to differentiate (their gradients, in order)
  bool shared = false;      // same angles in every lane: coeffs filled once
  std::vector<R> coeffs;
  size_t size() const {
    return kind == sv::StepKind::Matrix ? (1 + params.size()) * 8 * L : 2 * L;
  }
};

// The step's coefficient block for the lanes of a tile.
template <class R>
void fill_coeffs(const Runner<R>& run, const Gate& gate, const StepPlan<R>& sp, int64_t tile,
                 R* dst) {
  const int lanes = sp.shared ? 1 : L;
  if (sp.kind != sv::StepKind::Matrix) {
    for (int l = 0; l < L; ++l) {
      const double t = run.angles(run.row(tile, l < lanes ? l : 0), sp.gate)[0];
      const double half = sp.kind == sv::StepKind::Phase ? t : t / 2;
      dst[l] = R(std::cos(half));
      dst[L + l] = R(std::sin(half));
    }
    return;
  }
  static const int all[4] = {0, 1, 2, 3};
  Mat2 u[L], d[L];
  for (int l = 0; l < L; ++l)
    u[l] = l < lanes ? dagger(target_matrix(gate, run.angles(run.row(tile, l), sp.gate))) : u[0];
  fill_block(dst, u, all, 4);
  for (size_t q = 0; q < sp.params.size(); ++q) {
    for (int l = 0; l < L; ++l)
      d[l] = l < lanes ? mat_mul(target_derivative(gate, run.angles(run.row(tile, l), sp.gate),
                                                   sp.params[q]),
                                 u[l])
                       : d[0];
    fill_block(dst + (q + 1) * 8 * L, d, all, 4);
  }
}

// One sample of many qubits in the single-state layout (an eighth of the memory of padded
// tiles): forward by cache chunks, then gate by gate backwards (three passes per gate).
template <class R>
void lane_sweep(const Circuit& c, const Batch& batch, const double* g, const SimOptions& o,
                double* gin, double* gw) {
  const int n = c.n_wires(), K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int rows = n - kLaneBits;
  check_memory(rows, sizeof(R), 2, "adjoint");
  const ChunkShape chunk = chunk_shape(rows, sizeof(R), o, n);
  const std::vector<double> theta = resolve_angles(c, batch);
  std::vector<int> perm;
  std::vector<Op> ops = compile_lane_ops(c, o.fuse, &perm);
  const Runner<R> run(c, std::move(ops), theta.data(), 1, batch.inputs.data(), {}, perm);
  StateStorage<R> psi(run.tile_values()), lam(run.tile_values(), R(0));
  run.run_passes(psi.data(), chunk);
  for (int kk = 0; kk < K; ++kk)
    run.lane_layout_accumulate(lam.data(), psi.data(), c.observables()[kk], g[kk]);
  if (gin) std::fill(gin, gin + I, 0.0);
  if (gw) std::fill(gw, gw + W, 0.0);
  const auto& gates = c.gates();
  for (size_t i = run.ops().size(); i-- > 0;) {
    const Op& op = run.ops()[i];
    if (op.type != OpType::Matrix1 && op.type != OpType::Diagonal1) {
      run.apply(0, op, psi.data(), /*inverse=*/true);
      run.apply(0, op, lam.data(), /*inverse=*/true);
      continue;
    }
    for (size_t j = op.gates.size(); j-- > 0;) {
      const int gi = op.gates[j];
      run.unapply_gate(op, gi, psi.data());
      for (size_t p = 0; p < gates[gi].params.size(); ++p) {
        const Param& par = gates[gi].params[p];
        double* dst = par.source == Param::Source::Input ? gin
                      : par.source == Param::Source::Weight ? gw : nullptr;
        if (!dst) continue;
        dst[par.index] += par.scale * run.gate_derivative(op, gi, int(p), lam.data(), psi.data());
      }
      run.unapply_gate(op, gi, lam.data());
    }
  }
  // amplitude embedding: every lane swap undone, physical index = logical index again
  if (c.embedding() && gin) {
    const AmplitudeEmbedding& e = *c.embedding();
    const int64_t dim = int64_t(1) << n;
    double norm;
    const std::vector<double> phi = embedded_amplitudes(c, batch.inputs.data(), &norm);
    std::vector<double> gphi(dim);
    double dot = 0.0;
    for (int64_t j = 0; j < dim; ++j) {
      gphi[j] = 2.0 * double(lam[((j >> kLaneBits) * 2) * L + (j & (L - 1))]);
      dot += phi[j] * gphi[j];
    }
    for (int j = 0; j < e.length; ++j)
      gin[e.offset + j] += e.normalize ? (gphi[j] - phi[j] * dot) / norm : gphi[j];
  }
}

template <class R>
void sweep(const Circuit& c, const Batch& batch, const double* g, const SimOptions& o,
           double* gin, double* gw, const FinalStates* states) {
  if (use_lane_layout(c, batch.size, o)) {
    lane_sweep<R>(c, batch, g, o, gin, gw);
    return;
  }
  const int n = c.n_wires(), K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t B = batch.size;
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  check_memory(n, sizeof(R), 3 * std::min<int64_t>(threads, (B + L - 1) / L), "adjoint");
  const std::vector<double> theta = resolve_angles(c, batch);
  const Runner<R> run(c, compile_ops(c, o.fuse), theta.data(), B, batch.inputs.data());
  const auto& gates = c.gates();
  const auto& ops = run.ops();
  auto wanted = [&](const Param& p) {
    return (p.source == Param::Source::Input && gin) || (p.source == Param::Source::Weight && gw);
  };
  // per op: the block's steps, last gate first (empty: just un-apply the op)
  std::vector<std::vector<StepPlan<R>>> plans(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.type != OpType::Matrix1 && op.type != OpType::Diagonal1) continue;
    bool any = false;
    for (int gi : op.gates)
      for (const Param& p : gates[gi].params) any = any || wanted(p);
    if (!any) continue;
    for (size_t j = op.gates.size(); j-- > 0;) {
      const int gi = op.gates[j];
      StepPlan<R> sp;
      sp.gate = gi;
      sp.kind = step_kind(gates[gi].kind);
      for (size_t p = 0; p < gates[gi].params.size(); ++p)
        if (wanted(gates[gi].params[p])) sp.params.push_back(int(p));
      sp.shared = run.gate_shared(gi);
      if (sp.shared) {
        sp.coeffs.resize(sp.size());
        fill_coeffs(run, gates[gi], sp, 0, sp.coeffs.data());
      }
      plans[i].push_back(std::move(sp));
    }
  }
  if (gin) std::fill(gin, gin + B * I, 0.0);
  if (gw) std::fill(gw, gw + B * W, 0.0);
  const int64_t dim = int64_t(1) << n;

  for_tiles(run.tiles(), o.threads, [&](int64_t t) {
    thread_local StateStorage<R> psi, lam, tmp;  // whole cache lines per row (aligned)
    thread_local std::vector<R> lane_coeffs;
    thread_local std::vector<sv::AdjointStep<R>> steps;
    thread_local std::vector<double> out;
    psi.resize(run.tile_values());
    lam.assign(run.tile_values(), R(0));
    if (states) {
      const R* src;
      if constexpr (std::is_same_v<R, float>) src = states->c64.data(); else src = states->c128.data();
      std::copy_n(src + t * run.tile_values(), run.tile_values(), psi.data());
    } else {
      run.run(t, psi.data());
    }
    const auto& k = run.k();
    const int valid = int(std::min<int64_t>(L, B - t * L));

    // |lam> = sum_k g[b][k] O_k |psi>; the Z strings in one pass
    thread_local std::vector<uint64_t> zmasks;
    thread_local std::vector<R> zcoef;
    zmasks.clear();
    zcoef.clear();
    for (int kk = 0; kk < K; ++kk) {
      alignas(64) R coef[L];
      for (int l = 0; l < L; ++l) coef[l] = l < valid ? R(g[(t * L + l) * K + kk]) : R(0);
      const Observable& obs = c.observables()[kk];
      if (obs.kind == Observable::Kind::Pauli) {
        uint64_t x, z;
        int ny;
        run.pauli_masks(obs, &x, &z, &ny);
        if (x == 0) {
          zmasks.push_back(z);
          zcoef.insert(zcoef.end(), coef, coef + L);
          continue;
        }
        k.pauli_accumulate(lam.data(), psi.data(), n, x, z, ny, coef);
      } else {
        alignas(64) R block[4 * 2 * L];
        run.hermitian_block(obs, block);
        tmp = psi;
        k.apply_matrix1(tmp.data(), n, wire_bit(n, obs.wire), 0, block);
        k.axpy(lam.data(), tmp.data(), n, coef);
      }
    }
    if (!zmasks.empty())
      k.zstrings_accumulate(lam.data(), psi.data(), n, zmasks.data(), int(zmasks.size()),
                            zcoef.data());

    // walk the ops backwards
    for (size_t i = ops.size(); i-- > 0;) {
      const Op& op = ops[i];
      const auto& plan = plans[i];
      if (plan.empty()) {
        run.apply(t, op, psi.data(), /*inverse=*/true);
        run.apply(t, op, lam.data(), /*inverse=*/true);
        continue;
      }
      size_t lane_size = 0;
      int outputs = 0;
      for (const auto& sp : plan) {
        if (!sp.shared) lane_size += sp.size();
        outputs += int(sp.params.size());
      }
      lane_coeffs.resize(lane_size);
      steps.clear();
      size_t at = 0;
      for (const auto& sp : plan) {
        const R* coeffs = sp.coeffs.data();
        if (!sp.shared) {
          fill_coeffs(run, gates[sp.gate], sp, t, lane_coeffs.data() + at);
          coeffs = lane_coeffs.data() + at;
          at += sp.size();
        }
        steps.push_back({sp.kind, int(sp.params.size()), coeffs});
      }
      out.resize(size_t(outputs) * L);
      k.adjoint_block1(psi.data(), lam.data(), n, op.bit, op.ctrl, steps.data(),
                       int(steps.size()), out.data());
      int o = 0;
      for (const auto& sp : plan)
        for (int p : sp.params) {
          const Param& par = gates[sp.gate].params[p];
          const bool in = par.source == Param::Source::Input;
          double* dst = in ? gin : gw;
          const int stride = in ? I : W;
          for (int l = 0; l < valid; ++l)
            dst[(t * L + l) * stride + par.index] += par.scale * out[o * L + l];
          ++o;
        }
    }

    // amplitude embedding: lam is now A |phi> with phi = a / |a| real
    if (c.embedding() && gin) {
      const AmplitudeEmbedding& e = *c.embedding();
      std::vector<double> gphi(dim);
      for (int l = 0; l < valid; ++l) {
        const int64_t b = t * L + l;
        double norm;
        const std::vector<double> phi = embedded_amplitudes(c, batch.inputs.data() + b * I, &norm);
        double dot = 0.0;
        for (int64_t j = 0; j < dim; ++j) {
          gphi[j] = 2.0 * double(lam[(j * 2) * L + l]);
          dot += phi[j] * gphi[j];
        }
        for (int j = 0; j < e.length; ++j)
          gin[b * I + e.offset + j] += e.normalize ? (gphi[j] - phi[j] * dot) / norm : gphi[j];
      }
    }
  });
}

}  // namespace

void adjoint_sweep(const Circuit& c, const Batch& batch, const double* g, const SimOptions& o,
                   double* grad_inputs, double* grad_weights, const FinalStates* states) {
  with_precision(o.precision, [&](auto r) {
    sweep<decltype(r)>(c, batch, g, o, grad_inputs, grad_weights, states);
    return 0;
  });
}

}  // namespace msq::quantum::detail
