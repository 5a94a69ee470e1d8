#include "engine/quantum/gpu_program.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/quantum/gate_matrices.h"

namespace msq::quantum {

sv::Program GpuProgram::view() const {
  sv::Program v;
  v.n = n;
  v.n_inputs = n_inputs;
  v.n_weights = n_weights;
  v.n_ops = int32_t(ops.size());
  v.n_gates = int32_t(gates.size());
  v.n_slots = int32_t(slots.size());
  v.n_obs = int32_t(observables.size());
  v.n_constants = int32_t(constants.size());
  v.ops = ops.data();
  v.gates = gates.data();
  v.slots = slots.data();
  v.obs = observables.data();
  v.constants = constants.data();
  v.embedding = embedding;
  return v;
}

namespace {

class ProgramBuilder {
 public:
  ProgramBuilder(const Circuit& c, bool fuse) : c_(c), fuse_(fuse), open_(c.n_wires(), -1) {
    p_.n = c.n_wires();
    p_.n_inputs = c.n_inputs();
    p_.n_weights = c.n_weights();
  }

  GpuProgram build() {
    for (const Gate& g : c_.gates()) add_gate(g);
    // flatten the groups' gates in op order
    for (size_t i = 0; i < p_.ops.size(); ++i) {
      sv::ProgOp& op = p_.ops[i];
      if (op.type != sv::kOpGroup) continue;
      op.first_gate = int32_t(p_.gates.size());
      op.gate_count = int32_t(group_gates_[i].size());
      for (sv::ProgGate g : group_gates_[i]) {
        g.op = int32_t(i);
        p_.gates.push_back(g);
      }
    }
    for (const Observable& o : c_.observables()) add_observable(o);
    if (c_.embedding()) {
      const AmplitudeEmbedding& e = *c_.embedding();
      p_.embedding.present = 1;
      p_.embedding.offset = e.offset;
      p_.embedding.length = e.length;
      p_.embedding.normalize = e.normalize ? 1 : 0;
      p_.embedding.pad = e.pad.value_or(0.0);
    }
    return std::move(p_);
  }

 private:
  int bit(int wire) const { return c_.n_wires() - 1 - wire; }

  int32_t add_constants(const cdouble* m, int count) {
    const int32_t at = int32_t(p_.constants.size());
    for (int k = 0; k < count; ++k) {
      p_.constants.push_back(m[k].real());
      p_.constants.push_back(m[k].imag());
    }
    return at;
  }

  int32_t add_slot(const Param& q) {
    sv::ProgSlot s;
    s.source = q.source == Param::Source::Input    ? sv::kSourceInput
               : q.source == Param::Source::Weight ? sv::kSourceWeight
                                                   : sv::kSourceConstant;
    s.index = q.index;
    s.scale = q.scale;
    s.value = q.value;
    p_.slots.push_back(s);
    return int32_t(p_.slots.size() - 1);
  }

  // Ends the open groups of these wires (an op that is not one of their one-qubit gates).
  void close(const std::vector<int>& wires) {
    for (int w : wires) open_[w] = -1;
  }

  int32_t add_op(const sv::ProgOp& op) {
    p_.ops.push_back(op);
    group_gates_.emplace_back();
    return int32_t(p_.ops.size() - 1);
  }

  // Adds a one-qubit gate on `wire` (ctrl: control bits): to the wire's open group when it
  // has one and the gate is uncontrolled, else to a new group.
  void add_group_gate(int wire, uint64_t ctrl, const sv::ProgGate& g) {
    int32_t at = ctrl == 0 && fuse_ ? open_[wire] : -1;
    if (at < 0) {
      sv::ProgOp op;
      op.type = sv::kOpGroup;
      op.bit = bit(wire);
      op.ctrl = ctrl;
      at = add_op(op);
    }
    group_gates_[at].push_back(g);
    open_[wire] = ctrl == 0 ? at : -1;
  }

  sv::ProgGate rotation(int kind, const Param& q) {
    sv::ProgGate g;
    g.kind = kind;
    g.slot = add_slot(q);
    return g;
  }

  void add_gate(const Gate& g) {
    const int target = g.wires.back();
    uint64_t ctrl = 0;
    for (int i = 0; i < gate_info(g.kind).controls; ++i) ctrl |= uint64_t(1) << bit(g.wires[i]);
    if (ctrl) close(g.wires);
    switch (g.kind) {
      case GateKind::RX:
      case GateKind::CRX:
        add_group_gate(target, ctrl, rotation(sv::kGateRX, g.params[0]));
        return;
      case GateKind::RY:
      case GateKind::CRY:
        add_group_gate(target, ctrl, rotation(sv::kGateRY, g.params[0]));
        return;
      case GateKind::RZ:
      case GateKind::CRZ:
        add_group_gate(target, ctrl, rotation(sv::kGateRZ, g.params[0]));
        return;
      case GateKind::PhaseShift:
      case GateKind::CPhase:
        add_group_gate(target, ctrl, rotation(sv::kGatePhase, g.params[0]));
        return;
      case GateKind::Rot:  // RZ(omega) RY(theta) RZ(phi): RZ(phi) first
        add_group_gate(target, 0, rotation(sv::kGateRZ, g.params[0]));
        add_group_gate(target, 0, rotation(sv::kGateRY, g.params[1]));
        add_group_gate(target, 0, rotation(sv::kGateRZ, g.params[2]));
        return;
      case GateKind::CNOT:
      case GateKind::Toffoli: {
        sv::ProgOp op;
        op.type = sv::kOpFlipX;
        op.bit = bit(target);
        op.ctrl = ctrl;
        add_op(op);
        return;
      }
      case GateKind::SWAP: {
        close(g.wires);
        sv::ProgOp op;
        op.type = sv::kOpSwap;
        op.bit = bit(g.wires[0]);
        op.bit2 = bit(g.wires[1]);
        add_op(op);
        return;
      }
      case GateKind::Unitary2: {
        close(g.wires);
        sv::ProgOp op;
        op.type = sv::kOpMatrix2;
        op.bit = bit(g.wires[0]);
        op.bit2 = bit(g.wires[1]);
        op.matrix = add_constants(g.matrix.data(), 16);
        add_op(op);
        return;
      }
      default: {  // fixed one-qubit gates, CZ, QubitUnitary on one wire
        const Mat2 m = target_matrix(g, nullptr);
        sv::ProgGate fixed;
        fixed.kind = sv::kGateFixed;
        fixed.matrix = add_constants(m.data(), 4);
        add_group_gate(target, ctrl, fixed);
        return;
      }
    }
  }

  void add_observable(const Observable& o) {
    sv::ProgObservable po;
    if (o.kind == Observable::Kind::Hermitian) {
      po.kind = sv::kObsHermitian;
      po.bit = bit(o.wire);
      po.matrix = add_constants(o.matrix.data(), 4);
    } else {
      po.kind = sv::kObsPauli;
      for (const auto& [wire, p] : o.paulis) {
        const uint64_t m = uint64_t(1) << bit(wire);
        if (p == 'X' || p == 'Y') po.xmask |= m;
        if (p == 'Z' || p == 'Y') po.zmask |= m;
        if (p == 'Y') ++po.ny;
      }
    }
    p_.observables.push_back(po);
  }

  const Circuit& c_;
  bool fuse_;
  std::vector<int32_t> open_;
  std::vector<std::vector<sv::ProgGate>> group_gates_;
  GpuProgram p_;
};

// ---- the host executor ---------------------------------------------------------------------

template <class R>
struct Sample {
  std::vector<R> x, w, angles;
  std::vector<sv::Cx<R>> psi;
  R norm = 1;  // of the embedded amplitudes
};

// The sample's slot values and initial state, then every op.
template <class R>
void forward_sample(const sv::Program& p, const double* x, const std::vector<R>& w, Sample<R>& s) {
  s.x.assign(x, x + p.n_inputs);
  s.angles.resize(p.n_slots);
  for (int k = 0; k < p.n_slots; ++k)
    s.angles[k] = sv::slot_value(p.slots[k], s.x.data(), w.data());
  const int64_t dim = int64_t(1) << p.n;
  s.psi.assign(dim, sv::cx<R>(0, 0));
  if (p.embedding.present) {
    R sum = 0;
    for (int64_t j = 0; j < dim; ++j) {
      const R v = sv::embedded_value(p.embedding, s.x.data(), j);
      sum += v * v;
    }
    s.norm = p.embedding.normalize ? std::sqrt(sum) : R(1);
    for (int64_t j = 0; j < dim; ++j)
      s.psi[j] = sv::cx<R>(sv::embedded_value(p.embedding, s.x.data(), j) / s.norm, 0);
  } else {
    s.psi[0] = sv::cx<R>(1, 0);
  }
  for (int i = 0; i < p.n_ops; ++i) {
    const sv::ProgOp& op = p.ops[i];
    const int64_t items = sv::op_items(op, p.n);
    if (op.type != sv::kOpGroup) {
      for (int64_t it = 0; it < items; ++it)
        sv::apply_fixed_op_item(s.psi.data(), op, p.constants, uint64_t(it), false);
      continue;
    }
    sv::M2<R> m = sv::identity_m2<R>();
    for (int j = 0; j < op.gate_count; ++j) {
      const sv::ProgGate& g = p.gates[op.first_gate + j];
      m = sv::mul(sv::gate_m2(g, p.constants, g.slot >= 0 ? s.angles[g.slot] : R(0)), m);
    }
    for (int64_t it = 0; it < items; ++it) sv::apply_group_item(s.psi.data(), op, m, uint64_t(it));
  }
}

template <class R>
std::vector<R> to_r(const std::vector<double>& v) {
  return std::vector<R>(v.begin(), v.end());
}

}  // namespace

GpuProgram compile_gpu_program(const Circuit& c, bool fuse) {
  return ProgramBuilder(c, fuse).build();
}

ShiftRuns parameter_shift_runs(const GpuProgram& p) {
  const double h = M_PI / 2;
  // controlled rotations: generator eigenvalues {0, +-1/2}, four terms
  const double c1 = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0));
  const double c2 = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
  const std::vector<std::pair<double, double>> two = {{h, 0.5}, {-h, -0.5}};
  const std::vector<std::pair<double, double>> four = {
      {h, c1}, {-h, -c1}, {3 * h, -c2}, {-3 * h, c2}};
  std::vector<const sv::ProgGate*> gate_of(p.slots.size(), nullptr);
  for (const sv::ProgGate& g : p.gates)
    if (g.slot >= 0) gate_of[g.slot] = &g;
  ShiftRuns r;
  for (size_t s = 0; s < p.slots.size(); ++s) {
    const sv::ProgSlot& slot = p.slots[s];
    if (slot.source == sv::kSourceConstant || !gate_of[s]) continue;
    const sv::ProgGate& g = *gate_of[s];
    const bool controlled_rotation = p.ops[g.op].ctrl != 0 && g.kind != sv::kGatePhase;
    for (const auto& [shift, coef] : controlled_rotation ? four : two) {
      r.slot.push_back(int64_t(s));
      r.shift.push_back(shift);
      r.coef.push_back(coef);
      r.to_inputs.resize(r.slot.size() * p.n_inputs, 0.0);
      r.to_weights.resize(r.slot.size() * p.n_weights, 0.0);
      if (slot.source == sv::kSourceInput)
        r.to_inputs[(r.slot.size() - 1) * p.n_inputs + slot.index] = slot.scale;
      else
        r.to_weights[(r.slot.size() - 1) * p.n_weights + slot.index] = slot.scale;
    }
  }
  return r;
}

template <class R>
std::vector<double> run_program_host(const GpuProgram& prog, int64_t B,
                                     const std::vector<double>& x, const std::vector<double>& w,
                                     std::vector<double>* final_states) {
  const sv::Program p = prog.view();
  const int64_t dim = int64_t(1) << p.n;
  const std::vector<R> wr = to_r<R>(w);
  std::vector<double> out(size_t(B) * p.n_obs);
  if (final_states) final_states->assign(size_t(B) * dim * 2, 0.0);
  Sample<R> s;
  for (int64_t b = 0; b < B; ++b) {
    forward_sample(p, x.data() + b * p.n_inputs, wr, s);
    const auto at = [&](uint64_t i) { return s.psi[i]; };
    for (int k = 0; k < p.n_obs; ++k) {
      double e = 0;
      for (int64_t i = 0; i < dim; ++i)
        e += sv::cdot(s.psi[i], sv::observable_apply_at<R>(p.obs[k], p.constants, at, i)).re;
      out[b * p.n_obs + k] = e;
    }
    if (final_states)
      for (int64_t i = 0; i < dim; ++i) {
        (*final_states)[(b * dim + i) * 2] = s.psi[i].re;
        (*final_states)[(b * dim + i) * 2 + 1] = s.psi[i].im;
      }
  }
  return out;
}

template <class R>
void vjp_program_host(const GpuProgram& prog, int64_t B, const std::vector<double>& x,
                      const std::vector<double>& w, const std::vector<double>& g,
                      std::vector<double>* grad_x, std::vector<double>* grad_w) {
  const sv::Program p = prog.view();
  const int64_t dim = int64_t(1) << p.n;
  const std::vector<R> wr = to_r<R>(w);
  grad_x->assign(size_t(B) * p.n_inputs, 0.0);
  grad_w->assign(size_t(p.n_weights), 0.0);
  Sample<R> s;
  std::vector<sv::Cx<R>> lam(dim);
  std::vector<R> gslot(p.n_slots);
  for (int64_t b = 0; b < B; ++b) {
    forward_sample(p, x.data() + b * p.n_inputs, wr, s);
    // lam = sum_k g[b][k] O_k psi
    const auto at = [&](uint64_t i) { return s.psi[i]; };
    for (int64_t i = 0; i < dim; ++i) {
      sv::Cx<R> acc = sv::cx<R>(0, 0);
      for (int k = 0; k < p.n_obs; ++k)
        acc = acc + sv::scale(sv::observable_apply_at<R>(p.obs[k], p.constants, at, i),
                              R(g[b * p.n_obs + k]));
      lam[i] = acc;
    }
    std::fill(gslot.begin(), gslot.end(), R(0));
    for (int i = p.n_ops - 1; i >= 0; --i) {
      const sv::ProgOp& op = p.ops[i];
      const int64_t items = sv::op_items(op, p.n);
      if (op.type != sv::kOpGroup) {
        for (int64_t it = 0; it < items; ++it) {
          sv::apply_fixed_op_item(s.psi.data(), op, p.constants, uint64_t(it), true);
          sv::apply_fixed_op_item(lam.data(), op, p.constants, uint64_t(it), true);
        }
        continue;
      }
      for (int j = op.gate_count - 1; j >= 0; --j) {
        const sv::ProgGate& gate = p.gates[op.first_gate + j];
        const sv::M2<R> ud =
            sv::dagger(sv::gate_m2(gate, p.constants, gate.slot >= 0 ? s.angles[gate.slot] : R(0)));
        R term = 0;
        for (int64_t it = 0; it < items; ++it)
          term += sv::adjoint_gate_item(s.psi.data(), lam.data(), op, gate.kind, ud, uint64_t(it));
        if (gate.slot >= 0) gslot[gate.slot] += term;
      }
    }
    for (int k = 0; k < p.n_slots; ++k) {
      const sv::ProgSlot& sl = p.slots[k];
      if (sl.source == sv::kSourceInput)
        (*grad_x)[b * p.n_inputs + sl.index] += sl.scale * double(gslot[k]);
      else if (sl.source == sv::kSourceWeight)
        (*grad_w)[sl.index] += sl.scale * double(gslot[k]);
    }
    if (p.embedding.present) {
      // lam is now A^dagger H A phi: d<H>/dphi_j = 2 Re lam_j, then through phi = a / |a|
      R dot = 0;
      for (int64_t j = 0; j < dim; ++j)
        dot += sv::embedded_value(p.embedding, s.x.data(), j) / s.norm * 2 * lam[j].re;
      for (int j = 0; j < p.embedding.length; ++j) {
        const R phi = s.x[p.embedding.offset + j] / s.norm;
        const R gphi = 2 * lam[j].re;
        (*grad_x)[b * p.n_inputs + p.embedding.offset + j] +=
            p.embedding.normalize ? double((gphi - phi * dot) / s.norm) : double(gphi);
      }
    }
  }
}

template std::vector<double> run_program_host<float>(const GpuProgram&, int64_t,
                                                     const std::vector<double>&,
                                                     const std::vector<double>&,
                                                     std::vector<double>*);
template std::vector<double> run_program_host<double>(const GpuProgram&, int64_t,
                                                      const std::vector<double>&,
                                                      const std::vector<double>&,
                                                      std::vector<double>*);
template void vjp_program_host<float>(const GpuProgram&, int64_t, const std::vector<double>&,
                                      const std::vector<double>&, const std::vector<double>&,
                                      std::vector<double>*, std::vector<double>*);
template void vjp_program_host<double>(const GpuProgram&, int64_t, const std::vector<double>&,
                                       const std::vector<double>&, const std::vector<double>&,
                                       std::vector<double>*, std::vector<double>*);

}  // namespace msq::quantum
