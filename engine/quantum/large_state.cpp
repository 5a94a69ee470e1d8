#include "engine/quantum/large_state.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

#ifdef MSQ_WITH_CUDA
#include "kernels/cuda/statevector/large_state.h"
#endif

namespace msq::quantum {

namespace {

// How far ahead of the first pending gate the planner looks for gates to pull into a pass.
constexpr size_t kPlanWindow = 512;

// The pass under construction: its free (non-low) bits in use, and its gates in global bits.
struct PassBuilder {
  int n, k, low;
  std::vector<int> high;
  std::vector<TileQueuedGate> gates;

  bool has(int b) const { return b < low || std::find(high.begin(), high.end(), b) != high.end(); }
  int missing(const TileQueuedGate& g) const {
    int m = has(g.bit) ? 0 : 1;
    if (g.cnot && !has(g.ctrl_bit)) ++m;
    return m;
  }
  // Whether the gate joins the last one (a 2x2 on the same bit: one matrix).
  bool joins_last(const TileQueuedGate& g) const {
    return !g.cnot && !gates.empty() && !gates.back().cnot && gates.back().bit == g.bit;
  }
  bool fits(const TileQueuedGate& g) const {
    if (joins_last(g)) return true;
    return int(high.size()) + missing(g) <= k - low && int(gates.size()) < sv::kMaxTileGates;
  }
  void add(const TileQueuedGate& g) {
    if (joins_last(g)) {
      gates.back().m = mat_mul(g.m, gates.back().m);
      return;
    }
    for (int b : {g.bit, g.cnot ? g.ctrl_bit : g.bit})
      if (!has(b)) high.push_back(b);
    gates.push_back(g);
  }
  sv::TilePass finish() {
    // fill the free bits with the lowest unused ones (more contiguous tiles)
    for (int b = low; int(high.size()) < k - low && b < n; ++b)
      if (!has(b)) high.push_back(b);
    std::vector<int> bits;
    for (int b = 0; b < low; ++b) bits.push_back(b);
    bits.insert(bits.end(), high.begin(), high.end());
    std::sort(bits.begin(), bits.end());
    sv::TilePass p{};
    p.k = k;
    for (int j = 0; j < k; ++j) p.bits[j] = bits[j];
    auto local = [&](int b) { return int(std::find(bits.begin(), bits.end(), b) - bits.begin()); };
    p.n_gates = int(gates.size());
    for (size_t i = 0; i < gates.size(); ++i) {
      sv::TileGate& t = p.gates[i];
      t.type = gates[i].cnot ? sv::kTileCnot : sv::kTileMatrix;
      t.bit = local(gates[i].bit);
      t.ctrl_bit = gates[i].cnot ? local(gates[i].ctrl_bit) : 0;
      for (int e = 0; e < 4; ++e) {
        t.m[2 * e] = gates[i].m[e].real();
        t.m[2 * e + 1] = gates[i].m[e].imag();
      }
    }
    high.clear();
    gates.clear();
    return p;
  }
};

#ifdef MSQ_WITH_CUDA
DType real_type(Precision p) {
  return p == Precision::Complex128 ? DType::Float64 : DType::Float32;
}
#endif

}  // namespace

std::vector<sv::TilePass> plan_tile_passes(const std::vector<TileQueuedGate>& gates, int n) {
  check(n >= 1, "plan_tile_passes", "n = ", n);
  for (const TileQueuedGate& g : gates)
    check(g.bit >= 0 && g.bit < n &&
              (!g.cnot || (g.ctrl_bit >= 0 && g.ctrl_bit < n && g.ctrl_bit != g.bit)),
          "plan_tile_passes", "gate bits out of range");
  PassBuilder pb{n, std::min(n, sv::kTileBits), std::min(n, sv::kTileLowBits), {}, {}};
  std::vector<sv::TilePass> passes;
  std::vector<char> taken(gates.size(), 0);
  size_t first = 0;  // the first gate not yet taken
  while (first < gates.size()) {
    // Scan ahead from the first gate not taken: a gate joins the pass when it fits and
    // commutes with every gate skipped before it (it shares no bit with them).
    uint64_t skipped_bits = 0;
    for (size_t i = first; i < gates.size() && i < first + kPlanWindow; ++i) {
      if (taken[i]) continue;
      const TileQueuedGate& g = gates[i];
      const uint64_t bits = (uint64_t(1) << g.bit) | (g.cnot ? uint64_t(1) << g.ctrl_bit : 0);
      if (!(bits & skipped_bits) && pb.fits(g)) {
        pb.add(g);
        taken[i] = 1;
      } else {
        skipped_bits |= bits;
      }
      if (int(pb.gates.size()) == sv::kMaxTileGates || skipped_bits == (uint64_t(1) << n) - 1)
        break;
    }
    passes.push_back(pb.finish());
    while (first < gates.size() && taken[first]) ++first;
  }
  return passes;
}

LargeState::LargeState(int n, Precision precision) : n_(n), precision_(precision) {
  check(n >= 1 && n <= 40, "LargeState", "n must be in 1..40, got ", n);
#ifdef MSQ_WITH_CUDA
  psi_ = Tensor::empty({int64_t(1) << n, 2},
                       TensorOptions(real_type(precision)).with_device(Device::cuda()));
  reset();
#else
  fail("LargeState", "msq was built without CUDA (MSQ_WITH_CUDA=OFF)");
#endif
}

int LargeState::bit(int wire) const {
  check(wire >= 0 && wire < n_, "LargeState", "wire ", wire, " out of range [0, ", n_, ")");
  return n_ - 1 - wire;
}

void LargeState::reset() {
  queue_.clear();
  psi_.fill_(0.0);
  psi_.slice(0, 0, 1).slice(1, 0, 1).fill_(1.0);
}

void LargeState::apply(int wire, const Mat2& m) {
  TileQueuedGate g;
  g.bit = bit(wire);
  g.m = m;
  queue_.push_back(g);
}

void LargeState::ry(int wire, double t) {
  const double c = std::cos(t / 2), s = std::sin(t / 2);
  apply(wire, {c, -s, s, c});
}
void LargeState::rx(int wire, double t) {
  const double c = std::cos(t / 2), s = std::sin(t / 2);
  apply(wire, {c, cdouble(0, -s), cdouble(0, -s), c});
}
void LargeState::rz(int wire, double t) {
  apply(wire, {std::exp(cdouble(0, -t / 2)), 0.0, 0.0, std::exp(cdouble(0, t / 2))});
}
void LargeState::h(int wire) {
  const double r = 1 / std::sqrt(2.0);
  apply(wire, {r, r, r, -r});
}

void LargeState::cnot(int control, int target) {
  TileQueuedGate g;
  g.cnot = true;
  g.ctrl_bit = bit(control);
  g.bit = bit(target);
  check(g.ctrl_bit != g.bit, "LargeState", "CNOT control and target are both wire ", control);
  g.m = {0.0, 1.0, 1.0, 0.0};
  queue_.push_back(g);
}

void LargeState::flush() {
  if (queue_.empty()) return;
#ifdef MSQ_WITH_CUDA
  const std::vector<sv::TilePass> passes = plan_tile_passes(queue_, n_);
  if (precision_ == Precision::Complex128)
    cuda::run_tile_passes(psi_.data<double>(), n_, passes.data(), int(passes.size()));
  else
    cuda::run_tile_passes(psi_.data<float>(), n_, passes.data(), int(passes.size()));
#endif
  queue_.clear();
}

double LargeState::expval_z(int wire) {
  flush();
  const uint64_t mask = uint64_t(1) << bit(wire);
#ifdef MSQ_WITH_CUDA
  if (precision_ == Precision::Complex128)
    return cuda::z_expectation(psi_.data<double>(), n_, mask);
  return cuda::z_expectation(psi_.data<float>(), n_, mask);
#else
  (void)mask;
  return 0.0;
#endif
}

Tensor LargeState::probabilities() {
  flush();
  Tensor out = Tensor::empty({int64_t(1) << n_}, psi_.options());
#ifdef MSQ_WITH_CUDA
  if (precision_ == Precision::Complex128)
    cuda::probabilities(psi_.data<double>(), n_, out.data<double>());
  else
    cuda::probabilities(psi_.data<float>(), n_, out.data<float>());
#endif
  return out;
}

std::vector<cdouble> LargeState::amplitudes() {
  flush();
  const std::vector<double> v = psi_.to_vector<double>();
  std::vector<cdouble> out(v.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) out[i] = cdouble(v[2 * i], v[2 * i + 1]);
  return out;
}

}  // namespace msq::quantum
