// Statevector simulator benchmarks (docs/PERFORMANCE.md):
//  - QML-8x4: 8 qubits, RX embedding, 4 x (RZ RY RZ per qubit, CNOT ring), <Z_j>, batch 256,
//    complex64, one thread: forward, and forward + VJP (all inputs and weights); fused and
//    unfused. Counter us_per_sample.
//  - Large single states (20 and 26 qubits, complex64): the 1000-gate circuit (RY on every
//    qubit then a CNOT ring, repeated), per original gate; and single gate kernels.
// Run: build/bench/statevector_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>

#include "engine/quantum/quantum.h"
#include "kernels/statevector.h"

using namespace msq;
using namespace msq::quantum;

namespace {

Batch qml_batch(const Circuit& c, int64_t B) {
  std::mt19937_64 gen(1);
  std::uniform_real_distribution<double> u(0, M_PI);
  Batch b;
  b.size = B;
  for (int64_t i = 0; i < B * c.n_inputs(); ++i) b.inputs.push_back(u(gen));
  for (int i = 0; i < c.n_weights(); ++i) b.weights.push_back(2 * u(gen));
  return b;
}

void qml_forward(benchmark::State& state) {
  const Circuit c = qml_workload_circuit(8, 4);
  const int64_t B = state.range(0);
  const Batch b = qml_batch(c, B);
  const SimOptions o{Precision::Complex64, state.range(1) != 0, 1};
  for (auto _ : state) benchmark::DoNotOptimize(expectation_values(c, b, o));
  state.counters["us_per_sample"] = benchmark::Counter(
      double(B) * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void qml_forward_vjp(benchmark::State& state) {
  const Circuit c = qml_workload_circuit(8, 4);
  const int64_t B = state.range(0);
  const Batch b = qml_batch(c, B);
  const SimOptions o{Precision::Complex64, state.range(1) != 0, 1};
  std::vector<double> g(size_t(B) * c.n_observables(), 0.5);
  FinalStates states;  // kept by the forward, as the quantum layer does
  for (auto _ : state) {
    benchmark::DoNotOptimize(expectation_values(c, b, o, &states));
    benchmark::DoNotOptimize(vjp(c, b, g, DiffMethod::Adjoint, o, {}, &states));
  }
  state.counters["us_per_sample"] = benchmark::Counter(
      double(B) * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// One kernel call on one tile of n qubits (kLanes states), complex64.
void tile_kernel(benchmark::State& state) {
  const int n = int(state.range(0)), which = int(state.range(1));
  const auto& k = sv::cpu_statevector_kernels_c64();
  constexpr int L = sv::kLanes;
  std::vector<float> psi(size_t(2 * L) << n), lam(size_t(2 * L) << n);
  std::mt19937 gen(1);
  std::normal_distribution<float> nd;
  for (auto& v : psi) v = nd(gen);
  for (auto& v : lam) v = nd(gen);
  // unitary coefficients (no denormals over many calls): cos/sin pairs, and
  // [[0.6, 0.8], [-0.8, 0.6]] blocks for the matrices
  std::vector<float> m(3 * 4 * 2 * L, 0.0f);
  const float entries[4] = {0.6f, 0.8f, -0.8f, 0.6f};
  for (int b = 0; b < 3; ++b)
    for (int e = 0; e < 4; ++e)
      for (int l = 0; l < L; ++l) m[(b * 4 + e) * 2 * L + l] = entries[e];
  std::vector<float> cs(2 * L);
  for (int l = 0; l < L; ++l) cs[l] = 0.6f, cs[L + l] = 0.8f;
  double out[3 * 2 * L];
  int bit = 0;
  for (auto _ : state) {
    bit = (bit + 3) % n;
    switch (which) {
      case 0: k.apply_matrix1(psi.data(), n, bit, 0, m.data()); break;
      case 1: k.apply_diagonal1(psi.data(), n, bit, 0, m.data() + 8 * L); break;
      case 2: k.apply_x(psi.data(), n, bit, uint64_t(1) << ((bit + 1) % n)); break;
      case 3: { sv::AdjointStep<float> st[3] = {{sv::StepKind::RZ, 1, cs.data()}, {sv::StepKind::RY, 1, cs.data()}, {sv::StepKind::RZ, 1, cs.data()}}; k.adjoint_block1(psi.data(), lam.data(), n, bit, 0, st, 3, out); break; }
      case 4: { sv::AdjointStep<float> st[1] = {{sv::StepKind::Matrix, 1, m.data()}}; k.adjoint_block1(psi.data(), lam.data(), n, bit, 0, st, 1, out); break; }
      case 5: k.pauli_accumulate(lam.data(), psi.data(), n, 0, uint64_t(1) << bit, 0, m.data()); break;
      case 6: k.swap_lane_bit(psi.data(), n, bit % 3, bit); break;
      case 7: k.apply_real_matrix1(psi.data(), n, bit, 0, cs.data(), 2); break;
    }
    benchmark::ClobberMemory();
  }
}

// PERFORMANCE.md's large-state circuit: layers of (RY on every qubit, CNOT ring).
// rotation: RY (a real circuit: the passes skip the zero imaginary plane) or RX (complex).
Circuit ry_ring_circuit(int n, int layers, GateKind rotation = GateKind::RY) {
  Circuit c(n);
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> u(0, 2 * M_PI);
  for (int l = 0; l < layers; ++l) {
    for (int q = 0; q < n; ++q) c.add(rotation, {q}, {Param::constant(u(gen))});
    for (int q = 0; q < n; ++q) c.add(GateKind::CNOT, {q, (q + 1) % n});
  }
  c.measure(Observable::pauli('Z', 0));
  return c;
}

// One state of n qubits, complex64, the single-state layout; time per original gate.
void large_state(benchmark::State& state) {
  const int n = int(state.range(0)), layers = int(state.range(1));
  omp_set_num_threads(int(state.range(2)));
  const Circuit c = ry_ring_circuit(n, layers, state.range(5) ? GateKind::RX : GateKind::RY);
  const Batch b{1, {}, {}};
  SimOptions o{Precision::Complex64, state.range(3) != 0, 1};
  o.cache_blocking = state.range(4) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(expectation_values(c, b, o));
  state.counters["ms_per_gate"] = benchmark::Counter(
      double(c.gates().size()) * 1e-3,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  omp_set_num_threads(omp_get_num_procs());
}

// One kernel call on a single large state (single-state layout: 2^(n-3) rows of 8 lanes).
void large_kernel(benchmark::State& state) {
  const int n = int(state.range(0)) - 3, which = int(state.range(1));
  omp_set_num_threads(int(state.range(2)));
  const auto& k = sv::cpu_statevector_kernels_c64();
  constexpr int L = sv::kLanes;
  std::vector<float> psi(size_t(2 * L) << n, 0.001f);
  std::vector<float> m(4 * 2 * L, 0.0f);
  const float entries[4] = {0.6f, 0.8f, -0.8f, 0.6f};
  for (int e = 0; e < 4; ++e)
    for (int l = 0; l < L; ++l) m[e * 2 * L + l] = entries[e];
  int bit = 0;
  for (auto _ : state) {
    bit = (bit + 5) % n;
    if (which == 0) k.apply_matrix1(psi.data(), n, bit, 0, m.data());
    if (which == 1) k.apply_x(psi.data(), n, bit, uint64_t(1) << ((bit + 1) % n));
    benchmark::ClobberMemory();
  }
  omp_set_num_threads(omp_get_num_procs());
}

// One pair group of `steps` steps along a CNOT chain, on a folded 20-qubit state (2^16 rows
// of [2][L] floats, both planes): ms per sweep. kind 0: the chain on bits top, top-1, ...
// (all above bit 5: the group's rows share one L1 set); 3: on top, 2, top-1, 1, top-2, 0
// (three high, three low bits); 4: on top, top-1, 1, top-2, top-3, 0 (four high, two low);
// 1: a one-bit 2x2 (apply_real_matrix1) on bit `top`; 2: a lane block.
void group_kernel(benchmark::State& state) {
  const int n = 16, top = int(state.range(0)), steps = int(state.range(1));
  const int kind = int(state.range(2));
  const auto& k = sv::cpu_statevector_kernels_c64();
  constexpr int L = sv::kLanes;
  std::vector<float> psi(size_t(2 * L) << n, 0.001f);
  std::vector<int> bits, idx;
  std::vector<float> m;
  const int mixed[6] = {top, 2, top - 1, 1, top - 2, 0};
  const int four[6] = {top, top - 1, 1, top - 2, top - 3, 0};
  for (int s = 0; s < steps; ++s) {
    const int* pick = kind == 3 ? mixed : four;
    bits.push_back(kind >= 3 ? pick[s] : top - s);
    bits.push_back(kind >= 3 ? pick[s + 1] : top - s - 1);
    const int id[8] = {0, 1, 0, 1, 2, 3, 3, 2};  // RY then a CNOT
    idx.insert(idx.end(), id, id + 8);
    for (int e = 0; e < 8 * L; ++e) m.push_back(0.6f);
  }
  for (auto _ : state) {
    if (kind == 0 || kind >= 3)
      k.apply_real_pairs_group(psi.data(), n, steps, bits.data(), idx.data(), m.data(), 2);
    if (kind == 1) k.apply_real_matrix1(psi.data(), n, top, 0, m.data(), 2);
    if (kind == 2) k.apply_lane_block(psi.data(), n, -1, m.data(), true, 2);
    benchmark::ClobberMemory();
  }
}

}  // namespace

BENCHMARK(group_kernel)->ArgNames({"top", "steps", "kind"})
    ->Args({15, 5, 0})->Args({12, 5, 0})->Args({10, 5, 0})->Args({5, 5, 0})
    ->Args({15, 1, 0})->Args({15, 2, 0})->Args({15, 3, 0})
    ->Args({15, 5, 3})->Args({12, 5, 3})->Args({15, 5, 4})->Args({10, 5, 4})
    ->Args({15, 1, 1})->Args({2, 1, 1})->Args({0, 1, 2})->Unit(benchmark::kMillisecond);
BENCHMARK(large_kernel)->ArgNames({"qubits", "kernel", "threads"})
    ->ArgsProduct({{20, 26}, {0, 1}, {1, 2}})->Unit(benchmark::kMillisecond)->MinTime(0.2);
// One thread: ms_per_gate from CPU time (robust to a shared machine). Two threads: from
// wall-clock time (CPU time would count the calling thread only).
// rx:1 rows: the same circuit with RX (complex amplitudes: both planes all the way).
BENCHMARK(large_state)->ArgNames({"qubits", "layers", "threads", "fused", "blocked", "rx"})
    ->Args({20, 25, 1, 1, 1, 0})->Args({20, 25, 1, 1, 0, 0})->Args({20, 25, 1, 1, 1, 1})
    ->Args({26, 2, 1, 1, 1, 0})->Args({26, 2, 1, 1, 0, 0})->Args({26, 2, 1, 1, 1, 1})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);
BENCHMARK(large_state)->ArgNames({"qubits", "layers", "threads", "fused", "blocked", "rx"})
    ->Args({20, 25, 2, 1, 1, 0})->Args({26, 2, 2, 1, 1, 0})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3)->UseRealTime();
BENCHMARK(tile_kernel)->ArgNames({"n", "kernel"})->ArgsProduct({{8, 14}, {0, 1, 2, 3, 4, 5, 6, 7}});
BENCHMARK(qml_forward)->ArgNames({"batch", "fused"})->Args({256, 1})->Args({256, 0})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(qml_forward_vjp)->ArgNames({"batch", "fused"})->Args({256, 1})->Args({256, 0})
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
