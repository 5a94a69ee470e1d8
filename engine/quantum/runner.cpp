#include "engine/quantum/runner.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>

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

void check_memory(int n, size_t real_size, int64_t states, const char* op) {
  const double bytes = double(2 * L) * double(real_size) * std::ldexp(1.0, n) * double(states);
  const double total = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  check(n <= 40 && bytes <= 0.9 * total, op, "simulating needs ", bytes / (1 << 30),
        " GiB of state memory (", states, " tiles of 2^", n, " rows of ", 2 * L, " ",
        real_size == 4 ? "float" : "double", "s), the machine has ", total / (1 << 30), " GiB");
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

namespace msq::quantum::detail {

void spread_rows(int n, int row0, std::vector<int>& phys) {
  const int rows = n - row0, lows = std::min(kAliasFreeRows, rows / 2);
  int next_low = lows - 1, next_high = rows - 1;
  for (int w = 0; w < rows; ++w) {  // the lows spread evenly along the wires
    const bool low = ((w + 1) * lows) / rows > (w * lows) / rows;
    phys[w] = row0 + (low ? next_low-- : next_high--);
  }
}

std::vector<Op> compile_lane_ops(const Circuit& c, bool fuse, std::vector<int>* perm_out,
                                 bool lane_targets, bool folded) {
  const int n = c.n_wires();
  // folded: physical bit kLaneBits is the plane bit (no gate acts on it there) and row bits
  // start above it
  const int row0 = folded ? kLaneBits + 1 : kLaneBits;
  check(n > row0, "quantum", "the single-state layout needs more than ", row0, " qubits");
  std::vector<int> phys(n), wire_at(n);  // wire -> physical bit, and back
  for (int w = 0; w < n; ++w) phys[w] = wire_bit(n, w);
  if (!c.embedding()) spread_rows(n, row0, phys);
  for (int w = 0; w < n; ++w) wire_at[phys[w]] = w;
  const std::vector<Op> logical_ops = compile_ops(c, fuse);
  // when each wire is used next (Belady: move out the wire needed last)
  std::vector<std::vector<int64_t>> uses(n);
  for (size_t i = 0; i < logical_ops.size(); ++i)
    for (int w : c.gates()[logical_ops[i].gates[0]].wires) uses[w].push_back(int64_t(i));
  int64_t clock = -1;
  auto next_use = [&](int w) {
    const auto it = std::upper_bound(uses[w].begin(), uses[w].end(), clock);
    return it == uses[w].end() ? INT64_MAX : *it;
  };
  std::vector<Op> out;
  auto relabel = [&](int a, int b) {  // physical bits a and b exchange their wires
    std::swap(phys[wire_at[a]], phys[wire_at[b]]);
    std::swap(wire_at[a], wire_at[b]);
  };
  // the bit in [lo, hi) holding none of `busy` whose wire is needed last
  auto pick = [&](int lo, int hi, const std::vector<int>& busy) {
    int best = -1;
    int64_t best_use = -1;
    for (int b = lo; b < hi; ++b) {
      if (std::find(busy.begin(), busy.end(), wire_at[b]) != busy.end()) continue;
      const int64_t u = next_use(wire_at[b]);
      if (u > best_use) best = b, best_use = u;
    }
    return best;
  };
  // moves wire w (in the lanes) to a row bit
  auto evict = [&](int w, const std::vector<int>& busy) {
    const int b = pick(row0, n, busy);
    check(b >= 0, "quantum", "no free row bit to move a qubit out of the lanes");
    Op op;
    op.type = OpType::LaneSwap;
    op.bit = b - row0;
    op.bit2 = phys[w];
    out.push_back(op);
    relabel(b, phys[w]);
  };
  for (const Op& logical : logical_ops) {
    ++clock;
    const Gate& g = c.gates()[logical.gates[0]];
    const GateInfo& info = gate_info(g.kind);
    if (logical.type == OpType::Swap) {  // a relabelling
      relabel(phys[g.wires[0]], phys[g.wires[1]]);
      continue;
    }
    if (folded)  // a wire on the plane bit moves to a row bit first
      for (int w : g.wires)
        if (phys[w] == kLaneBits) evict(w, g.wires);
    if (logical.type == OpType::Matrix2) {
      for (int w : g.wires)
        if (phys[w] < kLaneBits) evict(w, g.wires);  // keeps the other wire in its row
      Op op = logical;
      op.bit = phys[g.wires[0]] - row0;
      op.bit2 = phys[g.wires[1]] - row0;
      out.push_back(op);
      continue;
    }
    // one target (last wire), controls first
    const int target = g.wires.back();
    const bool diagonal = logical.type == OpType::Diagonal1;
    // a control displaced into the lanes becomes a lane control
    const bool in_lanes = !diagonal && phys[target] < kLaneBits && lane_targets;
    if (!diagonal && phys[target] < kLaneBits && !lane_targets) evict(target, {target});
    Op op = logical;
    op.ctrl = 0;
    for (int i = 0; i < info.controls; ++i) {
      const int p = phys[g.wires[i]];
      if (p < kLaneBits) {
        op.lane_ctrl |= 1 << p;
      } else {
        op.ctrl |= uint64_t(1) << (p - row0);
      }
    }
    if (in_lanes) {
      op.type = OpType::LaneMatrix1;
      op.bit = 0;
      op.bit2 = phys[target];
    } else if (phys[target] < kLaneBits) {  // diagonal on a lane bit: a row bit carries the phase
      op.lane_target = phys[target];
      // the phase must reach both rows of each pair: no row control on the carrier bit
      op.bit = 0;
      while (op.ctrl & (uint64_t(1) << op.bit)) ++op.bit;
    } else {
      op.bit = phys[target] - row0;
    }
    if (op.type == OpType::X && op.lane_ctrl) op.type = OpType::Matrix1;
    out.push_back(op);
  }
  *perm_out = phys;
  return out;
}

}  // namespace msq::quantum::detail
