// The statevector simulator against analytic values and a plain dense reference.
#include <random>

#include "engine/quantum/quantum.h"
#include "quantum/reference.h"
#include "test_support.h"

using namespace msq;
using namespace msq::quantum;
namespace qref = msq::test::qref;

namespace {

const std::vector<GateKind> kAllGates = {
    GateKind::H, GateKind::X, GateKind::Y, GateKind::Z, GateKind::S, GateKind::T,
    GateKind::SX, GateKind::RX, GateKind::RY, GateKind::RZ, GateKind::PhaseShift,
    GateKind::Rot, GateKind::CNOT, GateKind::CZ, GateKind::SWAP, GateKind::CRX,
    GateKind::CRY, GateKind::CRZ, GateKind::CPhase, GateKind::Toffoli, GateKind::Unitary1,
    GateKind::Unitary2};

int gate_width(GateKind k) {
  if (k == GateKind::Unitary1) return 1;
  if (k == GateKind::Unitary2) return 2;
  return gate_info(k).wires;
}

// A random entangled starting layer so that every gate acts on a generic state.
void scramble(Circuit& c, std::mt19937_64& gen) {
  std::uniform_real_distribution<double> u(0, 2 * M_PI);
  for (int w = 0; w < c.n_wires(); ++w)
    c.add(GateKind::Rot, {w}, {Param::constant(u(gen)), Param::constant(u(gen)), Param::constant(u(gen))});
  for (int w = 0; w + 1 < c.n_wires(); ++w) c.add(GateKind::CNOT, {w, w + 1});
  for (int w = 0; w < c.n_wires(); ++w) c.add(GateKind::RY, {w}, {Param::constant(u(gen))});
}

void add_random_gate(Circuit& c, GateKind k, const std::vector<int>& wires, std::mt19937_64& gen,
                     std::vector<Param> params = {}) {
  std::uniform_real_distribution<double> u(-M_PI, M_PI);
  if (params.empty())
    for (int p = 0; p < gate_info(k).params; ++p) params.push_back(Param::constant(u(gen)));
  std::vector<cdouble> m;
  if (k == GateKind::Unitary1) m = qref::random_unitary(2, gen);
  if (k == GateKind::Unitary2) m = qref::random_unitary(4, gen);
  c.add(k, wires, params, m);
}

std::vector<int> random_wires(int n, int k, std::mt19937_64& gen) {
  std::vector<int> w(n);
  for (int i = 0; i < n; ++i) w[i] = i;
  std::shuffle(w.begin(), w.end(), gen);
  w.resize(k);
  return w;
}

void check_state(const std::vector<cdouble>& got, const qref::Vec& want, double tol,
                 const std::string& what) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
  INFO(what << ": worst amplitude error " << worst);
  CHECK(worst <= tol);
}

Batch one_sample(const Circuit& c, std::vector<double> x = {}, std::vector<double> w = {}) {
  Batch b;
  b.size = 1;
  b.inputs = x.empty() ? std::vector<double>(c.n_inputs(), 0.0) : x;
  b.weights = w.empty() ? std::vector<double>(c.n_weights(), 0.0) : w;
  return b;
}

}  // namespace

TEST_CASE("analytic: <Z> after RX(t) is cos t, after RY(t) cos t; <Y> after RX(t) is -sin t") {
  for (double t : {-2.5, -0.3, 0.0, 0.7, 1.9, 3.1}) {
    Circuit c(1);
    c.add(GateKind::RX, {0}, {Param::constant(t)});
    c.measure(Observable::pauli('Z', 0)).measure(Observable::pauli('Y', 0));
    for (Precision p : {Precision::Complex64, Precision::Complex128}) {
      const auto e = expectation_values(c, one_sample(c), {p});
      CHECK(e[0] == doctest::Approx(std::cos(t)).epsilon(1e-6));
      CHECK(e[1] == doctest::Approx(-std::sin(t)).epsilon(1e-6));
    }
    Circuit d(1);
    d.add(GateKind::RY, {0}, {Param::constant(t)});
    d.measure(Observable::pauli('Z', 0)).measure(Observable::pauli('X', 0));
    const auto e = expectation_values(d, one_sample(d), {Precision::Complex128});
    CHECK(e[0] == doctest::Approx(std::cos(t)));
    CHECK(e[1] == doctest::Approx(std::sin(t)));
  }
}

TEST_CASE("analytic: Bell state correlations and GHZ") {
  Circuit bell(2);
  bell.add(GateKind::H, {0}).add(GateKind::CNOT, {0, 1});
  bell.measure(Observable::string({{0, 'Z'}, {1, 'Z'}}))
      .measure(Observable::string({{0, 'X'}, {1, 'X'}}))
      .measure(Observable::string({{0, 'Y'}, {1, 'Y'}}))
      .measure(Observable::pauli('Z', 0))
      .measure(Observable::pauli('X', 1));
  const auto e = expectation_values(bell, one_sample(bell));
  CHECK(e[0] == doctest::Approx(1.0));
  CHECK(e[1] == doctest::Approx(1.0));
  CHECK(e[2] == doctest::Approx(-1.0));
  CHECK(e[3] == doctest::Approx(0.0));
  CHECK(e[4] == doctest::Approx(0.0));
  const auto p = probabilities(bell, one_sample(bell));
  CHECK(p[0] == doctest::Approx(0.5));
  CHECK(p[1] == doctest::Approx(0.0));
  CHECK(p[2] == doctest::Approx(0.0));
  CHECK(p[3] == doctest::Approx(0.5));

  for (int n : {3, 5, 9}) {
    Circuit ghz(n);
    ghz.add(GateKind::H, {0});
    for (int w = 0; w + 1 < n; ++w) ghz.add(GateKind::CNOT, {w, w + 1});
    std::vector<std::pair<int, char>> xs;
    for (int w = 0; w < n; ++w) xs.push_back({w, 'X'});
    ghz.measure(Observable::string(xs))
        .measure(Observable::string({{0, 'Z'}, {n - 1, 'Z'}}))
        .measure(Observable::pauli('Z', n / 2));
    const auto g = expectation_values(ghz, one_sample(ghz));
    CHECK(g[0] == doctest::Approx(1.0));
    CHECK(g[1] == doctest::Approx(1.0));
    CHECK(g[2] == doctest::Approx(0.0));
    const auto st = final_states(ghz, one_sample(ghz), {Precision::Complex128});
    CHECK(std::abs(st.front() - 1 / std::sqrt(2.0)) < 1e-12);
    CHECK(std::abs(st.back() - 1 / std::sqrt(2.0)) < 1e-12);
  }
}

TEST_CASE("wire 0 is the most significant bit; Hermitian observable") {
  Circuit c(3);
  c.add(GateKind::X, {0});
  const auto st = final_states(c, one_sample(c));
  CHECK(std::abs(st[4] - 1.0) < 1e-7);  // |100>
  const auto p = probabilities(c, one_sample(c), {2, 0});
  CHECK(p[1] == doctest::Approx(1.0));  // wire 2 = 0 (msb of outcome), wire 0 = 1
  Circuit h(1);
  h.add(GateKind::RY, {0}, {Param::constant(0.8)});
  // M = [[2, 1-i], [1+i, -1]]
  h.measure(Observable::hermitian(0, {2.0, cdouble(1, -1), cdouble(1, 1), -1.0}));
  const double t = 0.8;  // state (cos t/2, sin t/2)
  const double want = 2 * std::pow(std::cos(t / 2), 2) - std::pow(std::sin(t / 2), 2) +
                      2 * std::cos(t / 2) * std::sin(t / 2);
  CHECK(expectation_values(h, one_sample(h))[0] == doctest::Approx(want).epsilon(1e-6));
}

TEST_CASE("every gate against its dense matrix, on every wire placement of a 4-qubit state") {
  std::mt19937_64 gen(7);
  const int n = 4;
  for (GateKind k : kAllGates) {
    for (int trial = 0; trial < 6; ++trial) {
      Circuit c(n);
      scramble(c, gen);
      add_random_gate(c, k, random_wires(n, gate_width(k), gen), gen);
      const qref::Vec want = qref::run(c, {}, {});
      for (Precision p : {Precision::Complex64, Precision::Complex128})
        for (bool fuse : {false, true}) {
          SimOptions o{p, fuse};
          check_state(final_states(c, one_sample(c), o), want,
                      p == Precision::Complex64 ? 2e-6 : 1e-12,
                      std::string(gate_info(k).name) + (fuse ? " fused" : ""));
        }
    }
  }
}

TEST_CASE("random deep circuits: fused = unfused = reference, norm preserved, c64 ~ c128") {
  std::mt19937_64 gen(11);
  for (int n : {1, 2, 3, 5, 7}) {
    Circuit c(n);
    for (int g = 0; g < 60; ++g) {
      GateKind k = kAllGates[gen() % kAllGates.size()];
      while (gate_width(k) > n) k = kAllGates[gen() % kAllGates.size()];
      add_random_gate(c, k, random_wires(n, gate_width(k), gen), gen);
    }
    const qref::Vec want = qref::run(c, {}, {});
    const auto b = one_sample(c);
    const auto fused = final_states(c, b, {Precision::Complex128, true});
    const auto plain = final_states(c, b, {Precision::Complex128, false});
    check_state(fused, want, 1e-11, "fused");
    check_state(plain, want, 1e-11, "unfused");
    check_state(final_states(c, b, {Precision::Complex64, true}), want, 1e-5, "complex64");
    double norm = 0;
    for (const auto& z : fused) norm += std::norm(z);
    CHECK(norm == doctest::Approx(1.0).epsilon(1e-12));
    const auto p = probabilities(c, b, {}, {Precision::Complex64});
    double total = 0;
    for (double v : p) total += v;
    CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("batch equals one-by-one; inputs and weights resolved per sample") {
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(-2, 2);
  Circuit c(3);
  angle_embedding(c, {0, 1, 2}, 0, 'Y', M_PI);
  strongly_entangling_layers(c, {0, 1, 2}, 2);
  c.add(GateKind::CRX, {2, 0}, {Param::input(1, 0.5)});
  c.add(GateKind::CPhase, {1, 2}, {Param::weight(3, -1.0)});
  c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{1, 'X'}, {2, 'Y'}}));
  const int B = 19;  // not a multiple of the tile width
  Batch batch;
  batch.size = B;
  for (int i = 0; i < B * c.n_inputs(); ++i) batch.inputs.push_back(u(gen));
  for (int i = 0; i < c.n_weights(); ++i) batch.weights.push_back(u(gen));
  for (int threads : {1, 2}) {
    const auto all = expectation_values(c, batch, {Precision::Complex64, true, threads});
    for (int b = 0; b < B; ++b) {
      std::vector<double> x(batch.inputs.begin() + b * 3, batch.inputs.begin() + b * 3 + 3);
      const auto one = expectation_values(c, one_sample(c, x, batch.weights));
      const qref::Vec ref = qref::run(c, x, batch.weights);
      for (int k = 0; k < 2; ++k) {
        CHECK(all[b * 2 + k] == doctest::Approx(one[k]).epsilon(1e-6));
        CHECK(all[b * 2 + k] == doctest::Approx(qref::expval(ref, 3, c.observables()[k])).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("templates follow PennyLane's definitions") {
  Circuit c(4);
  basic_entangler_layers(c, {0, 1, 2, 3}, 2);
  CHECK(c.gates().size() == 2 * (4 + 4));
  CHECK(c.gates()[4].kind == GateKind::CNOT);
  CHECK(c.gates()[7].wires == std::vector<int>{3, 0});
  CHECK(c.n_weights() == 8);
  Circuit two(2);
  basic_entangler_layers(two, {0, 1}, 1);
  CHECK(two.gates().size() == 3);  // one CNOT for two wires
  Circuit s(4);
  strongly_entangling_layers(s, {0, 1, 2, 3}, 3);
  CHECK(s.n_weights() == 36);
  CHECK(s.gates()[4].wires == std::vector<int>{0, 1});   // layer 0: range 1
  CHECK(s.gates()[12].wires == std::vector<int>{0, 2});  // layer 1: range 2
  CHECK(s.gates()[20].wires == std::vector<int>{0, 3});  // layer 2: range 3
  const Circuit q = qdense_circuit(3, 2);
  CHECK(q.n_inputs() == 8);
  CHECK(q.n_weights() == 18);
  CHECK(q.n_observables() == 6);
  CHECK(qcnn_circuit(4, 3).n_weights() == 12);
  CHECK(qefficient_circuit(4, 2).gates().size() == 4 + 2 * (12 + 4));
  CHECK(qml_workload_circuit(8, 4).n_weights() == 96);
}

TEST_CASE("amplitude embedding: normalises and pads") {
  Circuit c(2);
  c.amplitude_embedding({0, 3, 0.5, true});
  const auto st = final_states(c, one_sample(c, {1.0, 2.0, 2.0}));
  const double norm = std::sqrt(1 + 4 + 4 + 0.25);
  CHECK(std::abs(st[0] - 1.0 / norm) < 1e-7);
  CHECK(std::abs(st[2] - 2.0 / norm) < 1e-7);
  CHECK(std::abs(st[3] - 0.5 / norm) < 1e-7);
}

TEST_CASE("sampling: seeded, reproducible, matches the probabilities") {
  Circuit c(2);
  c.add(GateKind::RY, {0}, {Param::constant(1.0)}).add(GateKind::CNOT, {0, 1});
  c.add(GateKind::RX, {1}, {Param::constant(0.4)});
  c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{0, 'X'}, {1, 'Y'}}));
  c.measure(Observable::hermitian(1, {0.5, cdouble(0, 1), cdouble(0, -1), -0.2}));
  const auto b = one_sample(c);
  const int64_t shots = 200000;
  const auto s1 = sample(c, b, shots, 42), s2 = sample(c, b, shots, 42), s3 = sample(c, b, shots, 43);
  CHECK(s1 == s2);
  CHECK(s1 != s3);
  const auto p = probabilities(c, b);
  std::vector<double> freq(4, 0);
  for (int64_t v : s1) freq[v] += 1.0 / shots;
  for (int i = 0; i < 4; ++i) CHECK(freq[i] == doctest::Approx(p[i]).epsilon(0.01).scale(1));
  const auto exact = expectation_values(c, b);
  const auto est = shot_expectation_values(c, b, shots, 5);
  for (int k = 0; k < 3; ++k) CHECK(std::abs(est[k] - exact[k]) < 0.01);
}

TEST_CASE("bad input gives a clear error") {
  Circuit c(3);
  CHECK_THROWS_WITH_AS(c.add(GateKind::RX, {3}, {Param::constant(1)}),
                       doctest::Contains("wire 3 out of range"), Error);
  CHECK_THROWS_WITH_AS(c.add(GateKind::CNOT, {1, 1}), doctest::Contains("wire 1 repeated"), Error);
  CHECK_THROWS_WITH_AS(c.add(GateKind::RX, {0}), doctest::Contains("takes 1 parameter"), Error);
  CHECK_THROWS_WITH_AS(c.add(GateKind::RX, {0}, {Param::constant(NAN)}),
                       doctest::Contains("constant parameter is nan"), Error);
  CHECK_THROWS_WITH_AS(c.add(GateKind::Unitary1, {0}, {}, {1.0, 1.0, 0.0, 1.0}),
                       doctest::Contains("not unitary"), Error);
  CHECK_THROWS_WITH_AS(c.measure(Observable::pauli('Z', 5)), doctest::Contains("out of range"),
                       Error);
  CHECK_THROWS_AS(Observable::hermitian(0, {1.0, 2.0, 3.0, 1.0}), Error);
  Circuit amp(2);
  CHECK_THROWS_WITH_AS(amp.amplitude_embedding({0, 3, std::nullopt, true}),
                       doctest::Contains("need padding"), Error);
  CHECK_THROWS_WITH_AS(amp.amplitude_embedding({0, 5, 0.0, true}),
                       doctest::Contains("do not fit"), Error);
  amp.amplitude_embedding({0, 4, std::nullopt, true});
  amp.measure(Observable::pauli('Z', 0));
  CHECK_THROWS_WITH_AS(expectation_values(amp, one_sample(amp, {0, 0, 0, 0})),
                       doctest::Contains("all zeros"), Error);
  CHECK_THROWS_WITH_AS(expectation_values(amp, one_sample(amp, {1, 0})),
                       doctest::Contains("inputs hold 2 values"), Error);
  Circuit huge(38);
  huge.add(GateKind::H, {0}).measure(Observable::pauli('Z', 0));
  CHECK_THROWS_WITH_AS(expectation_values(huge, Batch{2, {}, {}}), doctest::Contains("GiB"), Error);
  CHECK_THROWS_WITH_AS(expectation_values(huge, Batch{1, {}, {}}), doctest::Contains("GiB"), Error);
  Circuit w(1);
  w.add(GateKind::RY, {0}, {Param::input(0)}).measure(Observable::pauli('Z', 0));
  CHECK_THROWS_WITH_AS(expectation_values(w, one_sample(w, {NAN})), doctest::Contains("is nan"),
                       Error);
}

TEST_CASE("single-state layout (qubits in the lanes) equals the batch layout") {
  std::mt19937_64 gen(21);
  for (int n : {5, 6, 8, 10}) {
    for (int trial = 0; trial < 4; ++trial) {
      Circuit c(n);
      if (trial == 3) c.amplitude_embedding({0, (1 << n) - 3, 0.25, true});
      for (int g = 0; g < 80; ++g) {
        GateKind k = kAllGates[gen() % kAllGates.size()];
        add_random_gate(c, k, random_wires(n, gate_width(k), gen), gen);
      }
      c.measure(Observable::pauli('Z', n - 1)).measure(Observable::string({{0, 'X'}, {n - 2, 'Y'}}));
      c.measure(Observable::hermitian(n - 3, {0.5, cdouble(0.3, 0.4), cdouble(0.3, -0.4), -0.8}));
      c.measure(Observable::string({{n - 1, 'Y'}, {n - 2, 'X'}, {1, 'Z'}}));
      Batch b = one_sample(c);
      std::uniform_real_distribution<double> u(0.1, 1.0);
      for (double& v : b.inputs) v = u(gen);
      SimOptions lanes{Precision::Complex128};
      lanes.single_state_min_qubits = 0;
      lanes.chunk_row_bits = 1 + trial % 2;  // tiny cache chunks: blocking on every run
      SimOptions unblocked = lanes;
      unblocked.cache_blocking = false;
      check_state(final_states(c, b, unblocked), [&] {
        const auto s = final_states(c, b, lanes);
        return qref::Vec(s.begin(), s.end());
      }(), 1e-11, "cache blocking");
      SimOptions batch{Precision::Complex128};
      batch.single_state_min_qubits = 100;
      check_state(final_states(c, b, lanes), [&] {
        const auto s = final_states(c, b, batch);
        return qref::Vec(s.begin(), s.end());
      }(), 1e-11, "single-state layout");
      const auto e1 = expectation_values(c, b, lanes), e2 = expectation_values(c, b, batch);
      for (size_t k = 0; k < e1.size(); ++k) CHECK(e1[k] == doctest::Approx(e2[k]).epsilon(1e-10));
      const auto p1 = probabilities(c, b, {n - 1, 0}, lanes), p2 = probabilities(c, b, {n - 1, 0}, batch);
      for (size_t k = 0; k < p1.size(); ++k) CHECK(p1[k] == doctest::Approx(p2[k]).epsilon(1e-10));
      SimOptions lanes32 = lanes;
      lanes32.precision = Precision::Complex64;
      const auto e3 = expectation_values(c, b, lanes32);
      for (size_t k = 0; k < e1.size(); ++k) CHECK(std::abs(e3[k] - e2[k]) < 1e-5);
    }
  }
}

TEST_CASE("passes over a large single state (chunks, fused blocks, threads) equal gate by gate") {
  std::mt19937_64 gen(31);
  // 14 qubits: chunks of 2^4 .. 2^7 rows, each pass on many chunks; 18 qubits: chunks spread
  // over the threads
  for (int n : {14, 18}) {
    for (int trial = 0; trial < (n == 14 ? 4 : 1); ++trial) {
      Circuit c(n);
      scramble(c, gen);
      for (int g = 0; g < (n == 14 ? 160 : 60); ++g) {
        GateKind k = kAllGates[gen() % kAllGates.size()];
        add_random_gate(c, k, random_wires(n, gate_width(k), gen), gen);
      }
      for (int g = 0; g < 40; ++g) {  // gates among the lane qubits and one row qubit
        const GateKind k = kAllGates[gen() % kAllGates.size()];
        std::vector<int> w = random_wires(4, gate_width(k), gen);
        for (int& x : w) x += n - 4;
        add_random_gate(c, k, w, gen);
      }
      for (int l = 0; l < 2; ++l)  // a layer of RY and a CNOT ring: the fused real blocks
        for (int w = 0; w < n; ++w) {
          add_random_gate(c, GateKind::RY, {w}, gen);
          c.add(GateKind::CNOT, {w, (w + 1) % n});
        }
      for (int l = 0; l < 2; ++l)  // RX or Rot and a CNOT ring: complex pair blocks
        for (int w = 0; w < n; ++w) {
          add_random_gate(c, l == 0 ? GateKind::RX : GateKind::Rot, {w}, gen);
          c.add(GateKind::CNOT, {w, (w + 1) % n});
        }
      c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{1, 'X'}, {n - 1, 'Y'}}));
      const Batch b = one_sample(c);
      SimOptions gate_by_gate{Precision::Complex128};
      gate_by_gate.cache_blocking = false;
      const std::vector<cdouble> want = final_states(c, b, gate_by_gate);
      SimOptions passes{Precision::Complex128};
      passes.chunk_row_bits = n == 14 ? 4 + trial : 0;
      check_state(final_states(c, b, passes), qref::Vec(want.begin(), want.end()), 1e-11,
                  "passes");
      passes.fuse = false;
      check_state(final_states(c, b, passes), qref::Vec(want.begin(), want.end()), 1e-11,
                  "passes, unfused runs");
      SimOptions passes32 = passes;
      passes32.precision = Precision::Complex64;
      const auto e32 = expectation_values(c, b, passes32);
      const auto e = expectation_values(c, b, gate_by_gate);
      for (size_t k = 0; k < e.size(); ++k) CHECK(std::abs(e32[k] - e[k]) < 1e-4);
    }
  }
}

TEST_CASE("a real circuit in passes (the zero imaginary plane left alone) equals gate by gate") {
  // RY, H, X, CNOT, SWAP, CRY, Toffoli and real unitaries keep the state real: the passes'
  // real kernels touch the real plane only, until a complex gate (RX, S, Rot) ends that
  const std::vector<GateKind> real_gates = {GateKind::H,    GateKind::X,   GateKind::RY,
                                            GateKind::CNOT, GateKind::SWAP, GateKind::CRY,
                                            GateKind::Toffoli};
  std::mt19937_64 gen(57);
  for (int n : {14, 18}) {
    for (int trial = 0; trial < (n == 14 ? 4 : 1); ++trial) {
      Circuit c(n);
      if (trial == 1) c.amplitude_embedding({0, (1 << n) - 5, 0.5, true});
      auto add_real = [&](int count) {
        for (int g = 0; g < count; ++g) {
          const GateKind k = real_gates[gen() % real_gates.size()];
          add_random_gate(c, k, random_wires(n, gate_width(k), gen), gen);
        }
        for (int w = 0; w < n; ++w) {  // a layer of RY and a CNOT ring
          add_random_gate(c, GateKind::RY, {w}, gen);
          c.add(GateKind::CNOT, {w, (w + 1) % n});
        }
      };
      add_real(100);
      if (trial >= 2) {  // then complex gates, then real ones again on a complex state
        for (GateKind k : {GateKind::RX, GateKind::S, GateKind::Rot})
          add_random_gate(c, k, random_wires(n, 1, gen), gen);
        add_real(40);
      }
      c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{1, 'X'}, {n - 1, 'Y'}}));
      Batch b = one_sample(c);
      std::uniform_real_distribution<double> u(0.1, 1.0);
      for (double& v : b.inputs) v = u(gen);
      SimOptions gate_by_gate{Precision::Complex128};
      gate_by_gate.cache_blocking = false;
      gate_by_gate.fold_real = false;
      const std::vector<cdouble> want = final_states(c, b, gate_by_gate);
      SimOptions passes{Precision::Complex128};
      passes.chunk_row_bits = n == 14 ? 4 + trial : 0;
      check_state(final_states(c, b, passes), qref::Vec(want.begin(), want.end()), 1e-11,
                  "real passes");
      passes.fold_real = false;  // the complex layout with the imaginary plane left alone
      check_state(final_states(c, b, passes), qref::Vec(want.begin(), want.end()), 1e-11,
                  "real passes, not folded");
      passes.fold_real = true;
      SimOptions passes32 = passes;
      passes32.precision = Precision::Complex64;
      check_state(final_states(c, b, passes32), qref::Vec(want.begin(), want.end()), 1e-4,
                  "real passes, complex64");
    }
  }
}

// A random real orthogonal 4x4 (Gram-Schmidt on random rows): a real Unitary2.
std::vector<cdouble> random_orthogonal4(std::mt19937_64& gen) {
  std::normal_distribution<double> nd;
  double q[4][4];
  for (int r = 0; r < 4; ++r) {
    for (int k = 0; k < 4; ++k) q[r][k] = nd(gen);
    for (int p = 0; p < r; ++p) {
      double dot = 0;
      for (int k = 0; k < 4; ++k) dot += q[r][k] * q[p][k];
      for (int k = 0; k < 4; ++k) q[r][k] -= dot * q[p][k];
    }
    double norm = 0;
    for (int k = 0; k < 4; ++k) norm += q[r][k] * q[r][k];
    for (int k = 0; k < 4; ++k) q[r][k] /= std::sqrt(norm);
  }
  std::vector<cdouble> m;
  for (int r = 0; r < 4; ++r)
    for (int k = 0; k < 4; ++k) m.push_back(q[r][k]);
  return m;
}

TEST_CASE("a real circuit folded (real amplitudes only, the plane bit moved off) equals gate by gate") {
  // every real gate kind, on every wire (the plane bit, the lanes, the rows), odd and even
  // qubit counts, tiny and default chunks, both precisions, with and without an embedding
  const std::vector<GateKind> real_gates = {GateKind::H, GateKind::X, GateKind::RY,
                                            GateKind::CNOT, GateKind::SWAP, GateKind::CRY,
                                            GateKind::Toffoli, GateKind::Unitary2};
  std::mt19937_64 gen(91);
  for (int n : {7, 8, 9, 13, 15}) {
    for (int trial = 0; trial < 3; ++trial) {
      Circuit c(n);
      if (trial == 1) c.amplitude_embedding({0, (1 << n) - 3, 0.5, true});
      for (int g = 0; g < 120; ++g) {
        const GateKind k = real_gates[gen() % real_gates.size()];
        const std::vector<int> w = random_wires(n, gate_width(k), gen);
        if (k == GateKind::Unitary2) {
          c.add(k, w, {}, random_orthogonal4(gen));
        } else {
          add_random_gate(c, k, w, gen);
        }
      }
      for (int l = 0; l < 3; ++l)  // layers of RY and a CNOT ring: the pair groups
        for (int w = 0; w < n; ++w) {
          add_random_gate(c, GateKind::RY, {w}, gen);
          c.add(GateKind::CNOT, {w, (w + 1) % n});
        }
      c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{1, 'X'}, {n - 1, 'Z'}}));
      Batch b = one_sample(c);
      std::uniform_real_distribution<double> u(0.1, 1.0);
      for (double& v : b.inputs) v = u(gen);
      SimOptions gate_by_gate{Precision::Complex128};
      gate_by_gate.single_state_min_qubits = 0;
      gate_by_gate.cache_blocking = false;
      gate_by_gate.fold_real = false;
      const std::vector<cdouble> want = final_states(c, b, gate_by_gate);
      for (int chunk : {0, 2, 3}) {
        SimOptions folded{Precision::Complex128};
        folded.single_state_min_qubits = 0;
        folded.chunk_row_bits = chunk;
        check_state(final_states(c, b, folded), qref::Vec(want.begin(), want.end()), 1e-11,
                    "folded, chunk bits " + std::to_string(chunk));
        folded.fuse = false;
        check_state(final_states(c, b, folded), qref::Vec(want.begin(), want.end()), 1e-11,
                    "folded, unfused runs");
        folded.fuse = true;
        folded.precision = Precision::Complex64;
        check_state(final_states(c, b, folded), qref::Vec(want.begin(), want.end()), 1e-4,
                    "folded, complex64");
        const auto e = expectation_values(c, b, folded), e_ref = expectation_values(c, b, gate_by_gate);
        for (size_t k = 0; k < e.size(); ++k) CHECK(std::abs(e[k] - e_ref[k]) < 1e-4);
        const auto p = probabilities(c, b, {n - 1, 0}, folded);
        const auto p_ref = probabilities(c, b, {n - 1, 0}, gate_by_gate);
        for (size_t k = 0; k < p.size(); ++k) CHECK(std::abs(p[k] - p_ref[k]) < 1e-5);
      }
    }
  }
}

TEST_CASE("a single state far larger than the caches (streaming write-back) equals gate by gate") {
  const int n = 23;  // 64 MiB of complex64: passes write back with streaming stores
  std::mt19937_64 gen(7);
  Circuit c(n);
  for (int l = 0; l < 2; ++l)
    for (int w = 0; w < n; ++w) {
      add_random_gate(c, GateKind::RY, {w}, gen);
      c.add(GateKind::CNOT, {w, (w + 1) % n});
    }
  c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{3, 'X'}, {n - 1, 'Z'}}));
  const Batch b = one_sample(c);
  SimOptions gate_by_gate{Precision::Complex64};
  gate_by_gate.cache_blocking = false;
  gate_by_gate.fold_real = false;
  const auto want = expectation_values(c, b, gate_by_gate);
  const auto got = expectation_values(c, b, SimOptions{Precision::Complex64});
  for (size_t k = 0; k < want.size(); ++k) CHECK(got[k] == doctest::Approx(want[k]).epsilon(1e-4));
  const auto p1 = probabilities(c, b, {0, n - 1}, gate_by_gate);
  const auto p2 = probabilities(c, b, {0, n - 1}, SimOptions{Precision::Complex64});
  for (size_t k = 0; k < p1.size(); ++k) CHECK(std::abs(p1[k] - p2[k]) < 1e-5);
}

// Layers of rotations on random wires and a CNOT chain from a random wire, either way round:
// the patterns of the benchmark rings (pair groups, dense 4x4s split into pair steps, one-bit
// steps with lane controls joining groups, moved past plane swaps) in many placements.
TEST_CASE("random layered rings (RY folded, RX complex) in passes equal gate by gate") {
  std::mt19937_64 gen(23);
  for (int trial = 0; trial < 24; ++trial) {
    const int n = 7 + trial % 8;
    const GateKind rot = trial % 3 == 2 ? GateKind::RX : GateKind::RY;
    Circuit c(n);
    std::uniform_int_distribution<int> wire(0, n - 1), coin(0, 3);
    for (int l = 0; l < 6; ++l) {
      for (int w = 0; w < n; ++w)
        if (coin(gen) != 0) add_random_gate(c, rot, {w}, gen);
      const int start = wire(gen), step = coin(gen) % 2 ? 1 : n - 1;
      for (int k = 0; k < n; ++k) {
        const int a = (start + k * step) % n, b = (a + step) % n;
        c.add(GateKind::CNOT, {a, b});
      }
    }
    c.measure(Observable::pauli('Z', 0));
    const Batch b = one_sample(c);
    SimOptions gate_by_gate{Precision::Complex128};
    gate_by_gate.single_state_min_qubits = 0;
    gate_by_gate.cache_blocking = false;
    gate_by_gate.fold_real = false;
    const std::vector<cdouble> want = final_states(c, b, gate_by_gate);
    for (Precision p : {Precision::Complex128, Precision::Complex64}) {
      SimOptions passes{p};
      passes.single_state_min_qubits = 0;
      check_state(final_states(c, b, passes), qref::Vec(want.begin(), want.end()),
                  p == Precision::Complex128 ? 1e-11 : 1e-4,
                  "n " + std::to_string(n) + ", trial " + std::to_string(trial));
    }
  }
}

TEST_CASE("the benchmark's rings (a rotation on every wire, then a CNOT ring) equal gate by gate") {
  // statevector_bench large_state's circuit at sizes whose plans hold what smaller rings
  // rarely do: CNOT pair steps folded into a step on the same two bits in either order,
  // lane blocks as stages, groups padded to kMinGroupBits
  std::mt19937_64 gen(31);
  for (int n : {12, 17, 20}) {
    for (GateKind rot : {GateKind::RY, GateKind::RX}) {
      Circuit c(n);
      for (int l = 0; l < 3; ++l) {
        for (int w = 0; w < n; ++w) add_random_gate(c, rot, {w}, gen);
        for (int w = 0; w < n; ++w) c.add(GateKind::CNOT, {w, (w + 1) % n});
      }
      c.measure(Observable::pauli('Z', 0));
      const Batch b = one_sample(c);
      SimOptions gate_by_gate{Precision::Complex128};
      gate_by_gate.cache_blocking = false;
      gate_by_gate.fold_real = false;
      const std::vector<cdouble> want = final_states(c, b, gate_by_gate);
      for (Precision p : {Precision::Complex128, Precision::Complex64}) {
        const SimOptions passes{p};
        check_state(final_states(c, b, passes), qref::Vec(want.begin(), want.end()),
                    p == Precision::Complex128 ? 1e-11 : 1e-4,
                    "n " + std::to_string(n) + (rot == GateKind::RY ? " RY" : " RX"));
      }
    }
  }
}
