#include "engine/quantum/runner.h"

namespace msq::quantum::detail {

std::vector<Op> compile_ops(const Circuit& c, bool fuse) {
  const int n = c.n_wires();
  const auto& gates = c.gates();
  std::vector<Op> ops;
  std::vector<int> open(n, -1);  // per wire: the op a one-qubit gate may still join
  for (size_t gi = 0; gi < gates.size(); ++gi) {
    const Gate& g = gates[gi];
    const GateInfo& info = gate_info(g.kind);
    const OpType type = op_type(g.kind);
    const bool one_qubit = g.wires.size() == 1;
    if (fuse && one_qubit && open[g.wires[0]] >= 0) {
      Op& op = ops[open[g.wires[0]]];
      op.gates.push_back(int(gi));
      if (!(op.type == OpType::Diagonal1 && type == OpType::Diagonal1)) op.type = OpType::Matrix1;
      continue;
    }
    Op op;
    op.type = type;
    op.gates = {int(gi)};
    if (type == OpType::Swap) {
      op.bit = wire_bit(n, g.wires[0]);
      op.bit2 = wire_bit(n, g.wires[1]);
    } else if (type == OpType::Matrix2) {
      op.bit = wire_bit(n, g.wires[0]);
      op.bit2 = wire_bit(n, g.wires[1]);
    } else {
      op.bit = wire_bit(n, g.wires.back());
      for (int i = 0; i < info.controls; ++i) op.ctrl |= uint64_t(1) << wire_bit(n, g.wires[i]);
    }
    for (int w : g.wires) open[w] = -1;
    if (one_qubit) open[g.wires[0]] = int(ops.size());
    ops.push_back(std::move(op));
  }
  return ops;
}

std::vector<int> slot_offsets(const Circuit& c) {
  std::vector<int> s;
  int next = 0;
  for (const Gate& g : c.gates()) {
    s.push_back(next);
    next += int(g.params.size());
  }
  return s;
}

std::vector<double> resolve_angles(const Circuit& c, const Batch& batch) {
  const int S = c.n_slots(), I = c.n_inputs();
  std::vector<double> theta(size_t(batch.size) * S);
  int s = 0;
  for (const Gate& g : c.gates())
    for (const Param& p : g.params) {
      for (int64_t b = 0; b < batch.size; ++b) {
        double v = p.value;
        if (p.source == Param::Source::Input) v = p.scale * batch.inputs[b * I + p.index];
        if (p.source == Param::Source::Weight) v = p.scale * batch.weights[p.index];
        theta[b * S + s] = v;
      }
      ++s;
    }
  return theta;
}

std::vector<double> embedded_amplitudes(const Circuit& c, const double* x, double* norm) {
  const AmplitudeEmbedding& e = *c.embedding();
  const int64_t dim = int64_t(1) << c.n_wires();
  std::vector<double> a(dim, e.pad.value_or(0.0));
  double sq = 0.0;
  for (int i = 0; i < e.length; ++i) {
    a[i] = x[e.offset + i];
    check(std::isfinite(a[i]), "AmplitudeEmbedding", "feature ", i, " is ", a[i]);
  }
  for (double v : a) sq += v * v;
  *norm = std::sqrt(sq);
  check(*norm > 0.0, "AmplitudeEmbedding", "the feature vector is all zeros (cannot normalise)");
  if (e.normalize) {
    for (double& v : a) v /= *norm;
  } else {
    check(std::abs(*norm - 1.0) < 1e-6, "AmplitudeEmbedding",
          "features must have norm 1 without normalize, got ", *norm);
  }
  return a;
}

}  // namespace msq::quantum::detail
