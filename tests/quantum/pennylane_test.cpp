// Against PennyLane itself (default.qubit, the study's simulator): expectation values and
// Jacobians of the study's three circuits and of random circuits, msq in complex64 to 1e-5.
// Runs tools/quantum/pennylane_reference.py with the Python found in $MSQ_PENNYLANE_PYTHON or
// <repo>/.venv-quantum/bin/python; skips with a message where PennyLane is absent.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "test_support.h"

#if __has_include(<nlohmann/json.hpp>)
#include "tools/msq-circuit/circuit_json.h"

using namespace msq;
using namespace msq::quantum;
using json_io::json;

namespace {

std::string find_python() {
  if (const char* p = std::getenv("MSQ_PENNYLANE_PYTHON")) return p;
  if (std::filesystem::exists(".venv-quantum/bin/python")) return ".venv-quantum/bin/python";
  return "";
}

// Runs the reference on a list of documents; empty when PennyLane is not there.
json run_pennylane(const json& docs, std::string* why) {
  const std::string py = find_python();
  if (py.empty()) {
    *why = "no PennyLane Python (set MSQ_PENNYLANE_PYTHON or create .venv-quantum, see README)";
    return nullptr;
  }
  if (std::system((py + " -c 'import pennylane' > /dev/null 2>&1").c_str()) != 0) {
    *why = py + " cannot import pennylane";
    return nullptr;
  }
  const auto dir = std::filesystem::temp_directory_path();
  const std::string in = (dir / "msq_pennylane_in.json").string();
  const std::string out = (dir / "msq_pennylane_out.json").string();
  std::ofstream(in) << docs.dump();
  const std::string cmd = py + " tools/quantum/pennylane_reference.py " + in + " > " + out +
                          " 2> /dev/null";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "the PennyLane reference failed: " << cmd);
  json result;
  std::ifstream(out) >> result;
  return result;
}

void check_nested(const json& got, const json& want, double tol, const std::string& what) {
  if (got.is_array()) {
    REQUIRE_MESSAGE(got.size() == want.size(), what << ": sizes differ");
    for (size_t i = 0; i < got.size(); ++i) check_nested(got[i], want[i], tol, what);
    return;
  }
  const double a = got.get<double>(), b = want.get<double>();
  INFO(what << ": msq " << a << " vs PennyLane " << b);
  CHECK(std::abs(a - b) <= tol);
}

struct Case {
  std::string name;
  Circuit circuit;
  Batch batch;
};

Batch random_batch(const Circuit& c, int64_t B, std::mt19937_64& gen, double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  Batch b;
  b.size = B;
  for (int64_t i = 0; i < B * c.n_inputs(); ++i) b.inputs.push_back(u(gen));
  std::uniform_real_distribution<double> uw(0, 2 * M_PI);
  for (int i = 0; i < c.n_weights(); ++i) b.weights.push_back(uw(gen));
  return b;
}

Circuit random_circuit(int n, int gates, std::mt19937_64& gen) {
  const std::vector<GateKind> kinds = {
      GateKind::H, GateKind::X, GateKind::Y, GateKind::Z, GateKind::S, GateKind::T,
      GateKind::SX, GateKind::RX, GateKind::RY, GateKind::RZ, GateKind::PhaseShift,
      GateKind::Rot, GateKind::CNOT, GateKind::CZ, GateKind::SWAP, GateKind::CRX,
      GateKind::CRY, GateKind::CRZ, GateKind::CPhase, GateKind::Toffoli};
  Circuit c(n);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  for (int g = 0; g < gates; ++g) {
    const GateKind k = kinds[g < int(kinds.size()) ? g : gen() % kinds.size()];
    std::vector<int> w(n);
    for (int i = 0; i < n; ++i) w[i] = i;
    std::shuffle(w.begin(), w.end(), gen);
    w.resize(gate_info(k).wires);
    std::vector<Param> ps;
    for (int p = 0; p < gate_info(k).params; ++p)
      ps.push_back(gen() % 2 ? Param::input(int(gen() % 3), u(gen)) : Param::weight(int(gen() % 6)));
    c.add(k, w, ps);
  }
  c.declare_inputs(3);
  c.declare_weights(6);
  c.measure(Observable::pauli('Z', 0)).measure(Observable::string({{1, 'X'}, {2, 'Y'}}));
  c.measure(Observable::hermitian(n - 1, {0.5, cdouble(0.3, 0.4), cdouble(0.3, -0.4), -0.8}));
  return c;
}

}  // namespace

TEST_CASE("against PennyLane: the study's circuits and random circuits (complex64, 1e-5)") {
  std::mt19937_64 gen(31);
  std::vector<Case> cases;
  for (int n : {4, 6}) {
    Circuit c = qcnn_circuit(n, 3);
    cases.push_back({"QCNN", c, random_batch(c, 3, gen, 0.0, 1.0)});
    Circuit d = qdense_circuit(n - 1, 3);
    cases.push_back({"QDense", d, random_batch(d, 3, gen, 0.0, 1.0)});
    Circuit e = qefficient_circuit(n, 3);
    cases.push_back({"QEfficient", e, random_batch(e, 3, gen, 0.0, M_PI)});
  }
  Circuit q = qml_workload_circuit(8, 4);
  cases.push_back({"QML-8x4", q, random_batch(q, 2, gen, 0.0, M_PI)});
  for (int trial = 0; trial < 4; ++trial) {
    Circuit r = random_circuit(3 + trial % 2, 40, gen);
    cases.push_back({"random", r, random_batch(r, 3, gen, -2.0, 2.0)});
  }
  json docs = json::array();
  for (const Case& c : cases) {
    json d = json_io::circuit_to_json(c.circuit);
    d.update(json_io::batch_to_json(c.circuit, c.batch));
    docs.push_back(d);
  }
  std::string why;
  const json ref = run_pennylane(docs, &why);
  if (ref.is_null()) {
    test::skip(why);
    return;
  }
  REQUIRE(ref.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const int64_t B = c.batch.size, K = c.circuit.n_observables();
    const SimOptions o{Precision::Complex64};
    const std::vector<double> e = expectation_values(c.circuit, c.batch, o);
    json ev = json::array();
    for (int64_t s = 0; s < B; ++s)
      ev.push_back(std::vector<double>(e.begin() + s * K, e.begin() + (s + 1) * K));
    check_nested(ev, ref[i]["expval"], 1e-5, c.name + " expval");
    const Jacobian j = jacobian(c.circuit, c.batch, DiffMethod::Adjoint, o);
    const json& pj = ref[i]["jacobian"]["pennylane"];
    check_nested(json_io::nested(j.inputs, B, K, c.circuit.n_inputs()), pj["inputs"], 1e-5,
                 c.name + " d/dinputs");
    check_nested(json_io::nested(j.weights, B, K, c.circuit.n_weights()), pj["weights"], 1e-5,
                 c.name + " d/dweights");
  }
}

#else
TEST_CASE("PennyLane comparison (needs nlohmann-json)") {
  msq::test::skip("nlohmann/json.hpp is not installed");
}
#endif
