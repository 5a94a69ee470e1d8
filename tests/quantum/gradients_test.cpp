// Adjoint = parameter-shift = finite differences, for weights and inputs of random circuits
// with every parametrised gate, and amplitude-embedding input gradients.
#include <random>

#include "engine/quantum/quantum.h"
#include "test_support.h"

using namespace msq;
using namespace msq::quantum;

namespace {

const std::vector<GateKind> kParamGates = {GateKind::RX, GateKind::RY, GateKind::RZ,
                                           GateKind::PhaseShift, GateKind::Rot, GateKind::CRX,
                                           GateKind::CRY, GateKind::CRZ, GateKind::CPhase};
const std::vector<GateKind> kFixedGates = {GateKind::H, GateKind::CNOT, GateKind::CZ,
                                           GateKind::SWAP, GateKind::Toffoli, GateKind::SX,
                                           GateKind::S, GateKind::T, GateKind::Y};

// A random circuit where every parametrised gate appears, its parameters drawn from inputs
// (scaled) and weights, some shared between gates.
Circuit random_circuit(int n, int n_gates, std::mt19937_64& gen, int n_inputs, int n_weights) {
  Circuit c(n);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  auto wires = [&](int k) {
    std::vector<int> w(n);
    for (int i = 0; i < n; ++i) w[i] = i;
    std::shuffle(w.begin(), w.end(), gen);
    w.resize(k);
    return w;
  };
  for (int g = 0; g < n_gates; ++g) {
    const bool param = g < int(kParamGates.size()) || gen() % 3 != 0;
    GateKind k = param ? kParamGates[g < int(kParamGates.size()) ? g : gen() % kParamGates.size()]
                       : kFixedGates[gen() % kFixedGates.size()];
    if (gate_info(k).wires > n) k = GateKind::RY;
    std::vector<Param> ps;
    for (int p = 0; p < gate_info(k).params; ++p) {
      switch (gen() % 3) {
        case 0: ps.push_back(Param::input(int(gen() % n_inputs), u(gen))); break;
        case 1: ps.push_back(Param::weight(int(gen() % n_weights), u(gen))); break;
        default: ps.push_back(Param::weight(int(gen() % n_weights))); break;
      }
    }
    c.add(k, wires(gate_info(k).wires), ps);
  }
  c.declare_inputs(n_inputs);
  c.declare_weights(n_weights);
  c.measure(Observable::pauli('Z', 0));
  c.measure(Observable::string({{0, 'X'}, {n - 1, 'Y'}}));
  c.measure(Observable::hermitian(n / 2, {0.3, cdouble(0.2, -0.7), cdouble(0.2, 0.7), -1.1}));
  c.measure(Observable::pauli('X', n - 1));
  return c;
}

Batch random_batch(const Circuit& c, int64_t B, std::mt19937_64& gen, double lo = -2,
                   double hi = 2) {
  std::uniform_real_distribution<double> u(lo, hi);
  Batch b;
  b.size = B;
  for (int64_t i = 0; i < B * c.n_inputs(); ++i) b.inputs.push_back(u(gen));
  for (int i = 0; i < c.n_weights(); ++i) b.weights.push_back(u(gen));
  return b;
}

void check_vec(const std::vector<double>& got, const std::vector<double>& want, double tol,
               const std::string& what) {
  REQUIRE(got.size() == want.size());
  double worst = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  INFO(what << ": worst abs error " << worst << " (max |ref| " << scale << ")");
  CHECK(worst <= tol);
}

}  // namespace

TEST_CASE("jacobian: adjoint = parameter-shift = finite differences (float64), every gate") {
  std::mt19937_64 gen(1234);
  for (int n : {2, 3, 4}) {
    for (int trial = 0; trial < 3; ++trial) {
      const Circuit c = random_circuit(n, 24, gen, 3, 5);
      const Batch b = random_batch(c, 5, gen);
      const SimOptions o{Precision::Complex128};
      const Jacobian adj = jacobian(c, b, DiffMethod::Adjoint, o);
      const Jacobian ps = jacobian(c, b, DiffMethod::ParameterShift, o);
      const Jacobian fd = jacobian(c, b, DiffMethod::FiniteDiff, o);
      check_vec(adj.weights, ps.weights, 1e-10, "weights adjoint vs parameter-shift");
      check_vec(adj.inputs, ps.inputs, 1e-10, "inputs adjoint vs parameter-shift");
      check_vec(adj.weights, fd.weights, 1e-7, "weights adjoint vs finite differences");
      check_vec(adj.inputs, fd.inputs, 1e-7, "inputs adjoint vs finite differences");
      // complex64 adjoint close to the float64 one
      const Jacobian adj32 = jacobian(c, b, DiffMethod::Adjoint, {Precision::Complex64});
      check_vec(adj32.weights, adj.weights, 2e-5, "complex64 weights");
      check_vec(adj32.inputs, adj.inputs, 2e-5, "complex64 inputs");
    }
  }
}

TEST_CASE("vjp: the combined observable equals the contracted Jacobian, all methods") {
  std::mt19937_64 gen(99);
  const Circuit c = random_circuit(4, 30, gen, 4, 6);
  const Batch b = random_batch(c, 11, gen);
  std::normal_distribution<double> nd;
  std::vector<double> g(size_t(b.size) * c.n_observables());
  for (double& v : g) v = nd(gen);
  const SimOptions o{Precision::Complex128};
  const Gradients adj = vjp(c, b, g, DiffMethod::Adjoint, o);
  const Jacobian j = jacobian(c, b, DiffMethod::Adjoint, o);
  const int K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  std::vector<double> gi(size_t(b.size) * I, 0.0), gw(W, 0.0);
  for (int64_t s = 0; s < b.size; ++s)
    for (int k = 0; k < K; ++k) {
      for (int i = 0; i < I; ++i) gi[s * I + i] += g[s * K + k] * j.inputs[(s * K + k) * I + i];
      for (int w = 0; w < W; ++w) gw[w] += g[s * K + k] * j.weights[(s * K + k) * W + w];
    }
  check_vec(adj.inputs, gi, 1e-10, "vjp inputs");
  check_vec(adj.weights, gw, 1e-10, "vjp weights");
  const Gradients ps = vjp(c, b, g, DiffMethod::ParameterShift, o);
  check_vec(ps.inputs, gi, 1e-10, "parameter-shift vjp inputs");
  check_vec(ps.weights, gw, 1e-10, "parameter-shift vjp weights");
  const Gradients only_w = vjp(c, b, g, DiffMethod::Adjoint, o, {false, true});
  CHECK(only_w.inputs.empty());
  check_vec(only_w.weights, gw, 1e-10, "weights only");
  // threads over tiles give the same numbers
  const Gradients threaded = vjp(c, b, g, DiffMethod::Adjoint, {Precision::Complex128, true, 2});
  check_vec(threaded.weights, gw, 1e-10, "two threads");
}

TEST_CASE("amplitude embedding: input gradients through the normalisation") {
  std::mt19937_64 gen(5);
  for (int n : {1, 2, 3}) {
    for (bool pad : {false, true}) {
      Circuit c(n);
      const int len = pad ? (1 << n) - 1 : (1 << n);
      c.amplitude_embedding({0, len, pad ? std::optional<double>(0.3) : std::nullopt, true});
      strongly_entangling_layers(c, [&] {
        std::vector<int> w;
        for (int i = 0; i < n; ++i) w.push_back(i);
        return w;
      }(), 2);
      c.add(GateKind::RY, {0}, {Param::input(len, 0.7)});  // an angle input besides
      for (int w = 0; w < n; ++w) c.measure(Observable::pauli('X', w)).measure(Observable::pauli('Z', w));
      const Batch b = random_batch(c, 6, gen, 0.05, 1.0);
      const SimOptions o{Precision::Complex128};
      const Jacobian adj = jacobian(c, b, DiffMethod::Adjoint, o);
      const Jacobian fd = jacobian(c, b, DiffMethod::FiniteDiff, o);
      check_vec(adj.inputs, fd.inputs, 1e-7, "amplitude inputs adjoint vs fd");
      check_vec(adj.weights, fd.weights, 1e-7, "weights with amplitude embedding");
      CHECK_THROWS_WITH_AS(jacobian(c, b, DiffMethod::ParameterShift, o),
                           doctest::Contains("no shift rule"), Error);
      const Jacobian psw = jacobian(c, b, DiffMethod::ParameterShift, o, {false, true});
      check_vec(psw.weights, adj.weights, 1e-10, "parameter-shift weights");
    }
  }
}

TEST_CASE("the study's circuits: adjoint = finite differences") {
  std::mt19937_64 gen(8);
  for (const Circuit& c : {qcnn_circuit(4, 2), qdense_circuit(3, 2), qefficient_circuit(4, 2),
                           qml_workload_circuit(4, 2)}) {
    const Batch b = random_batch(c, 3, gen, 0.1, 1.0);
    const SimOptions o{Precision::Complex128};
    const Jacobian adj = jacobian(c, b, DiffMethod::Adjoint, o);
    const Jacobian fd = jacobian(c, b, DiffMethod::FiniteDiff, o);
    check_vec(adj.inputs, fd.inputs, 1e-7, "inputs");
    check_vec(adj.weights, fd.weights, 1e-7, "weights");
  }
}

TEST_CASE("vjp from the forward's kept states equals a fresh one") {
  std::mt19937_64 gen(17);
  Circuit c = qml_workload_circuit(5, 2);
  c.measure(Observable::string({{0, 'Z'}, {3, 'Z'}})).measure(Observable::pauli('Y', 2));
  const Batch b = random_batch(c, 13, gen);
  std::vector<double> g(size_t(b.size) * c.n_observables());
  std::normal_distribution<double> nd;
  for (double& v : g) v = nd(gen);
  for (Precision p : {Precision::Complex64, Precision::Complex128}) {
    const SimOptions o{p};
    FinalStates states;
    const auto e1 = expectation_values(c, b, o, &states);
    CHECK(e1 == expectation_values(c, b, o));
    const Gradients kept = vjp(c, b, g, DiffMethod::Adjoint, o, {}, &states);
    const Gradients fresh = vjp(c, b, g, DiffMethod::Adjoint, o);
    check_vec(kept.inputs, fresh.inputs, 1e-12, "inputs");
    check_vec(kept.weights, fresh.weights, 1e-12, "weights");
    const Gradients fd = vjp(c, b, g, DiffMethod::FiniteDiff, {Precision::Complex128});
    check_vec(kept.weights, fd.weights, p == Precision::Complex64 ? 1e-4 : 1e-7, "vs fd");
  }
}

TEST_CASE("adjoint in the single-state layout equals the batch layout and parameter-shift") {
  std::mt19937_64 gen(77);
  for (int n : {5, 7}) {
    for (int trial = 0; trial < 3; ++trial) {
      Circuit c = random_circuit(n, 40, gen, 3, 6);
      const Batch b = random_batch(c, 1, gen);
      SimOptions lanes{Precision::Complex128};
      lanes.single_state_min_qubits = 0;
      lanes.chunk_row_bits = 1 + trial % 2;
      SimOptions batch{Precision::Complex128};
      batch.single_state_min_qubits = 100;
      const Jacobian a = jacobian(c, b, DiffMethod::Adjoint, lanes);
      const Jacobian ref = jacobian(c, b, DiffMethod::Adjoint, batch);
      const Jacobian ps = jacobian(c, b, DiffMethod::ParameterShift, batch);
      check_vec(a.inputs, ref.inputs, 1e-10, "inputs, single-state layout");
      check_vec(a.weights, ref.weights, 1e-10, "weights, single-state layout");
      check_vec(a.weights, ps.weights, 1e-10, "weights vs parameter-shift");
      SimOptions lanes32 = lanes;
      lanes32.precision = Precision::Complex64;
      check_vec(jacobian(c, b, DiffMethod::Adjoint, lanes32).weights, ref.weights, 2e-5,
                "complex64");
    }
    // amplitude embedding
    Circuit d(n);
    d.amplitude_embedding({0, (1 << n) - 1, 0.2, true});
    strongly_entangling_layers(d, [&] {
      std::vector<int> w;
      for (int i = 0; i < n; ++i) w.push_back(i);
      return w;
    }(), 2);
    d.add(GateKind::CRY, {n - 1, 0}, {Param::weight(0)});
    d.measure(Observable::pauli('X', n - 1)).measure(Observable::pauli('Z', 0));
    const Batch b = random_batch(d, 1, gen, 0.1, 1.0);
    SimOptions lanes{Precision::Complex128};
    lanes.single_state_min_qubits = 0;
    SimOptions batch{Precision::Complex128};
    batch.single_state_min_qubits = 100;
    const Jacobian a = jacobian(d, b, DiffMethod::Adjoint, lanes);
    const Jacobian ref = jacobian(d, b, DiffMethod::Adjoint, batch);
    check_vec(a.inputs, ref.inputs, 1e-10, "amplitude inputs, single-state layout");
    check_vec(a.weights, ref.weights, 1e-10, "weights with amplitude embedding");
  }
}

TEST_CASE("adjoint on a single state run in passes (14 qubits) agrees with parameter-shift") {
  std::mt19937_64 gen(91);
  const int n = 14;
  Circuit c = random_circuit(n, 60, gen, 3, 6);
  const Batch b = random_batch(c, 1, gen);
  SimOptions passes{Precision::Complex128};
  passes.chunk_row_bits = 5;  // many chunks per pass
  SimOptions batch{Precision::Complex128};
  batch.single_state_min_qubits = 100;
  const Jacobian a = jacobian(c, b, DiffMethod::Adjoint, passes);
  const Jacobian ps = jacobian(c, b, DiffMethod::ParameterShift, batch);
  check_vec(a.inputs, ps.inputs, 1e-9, "inputs vs parameter-shift");
  check_vec(a.weights, ps.weights, 1e-9, "weights vs parameter-shift");
}
