// msq-circuit's JSON layer (tools/msq-circuit/circuit_json.h): the README's example parses and
// simulates; circuits survive a round trip; bad documents give clear errors.
#include <fstream>
#include <random>
#include <sstream>

#include "test_support.h"

#if __has_include(<nlohmann/json.hpp>)
#include "tools/msq-circuit/circuit_json.h"

using namespace msq;
using namespace msq::quantum;
using json_io::json;

namespace {

json readme_example() {
  std::ifstream f("tools/msq-circuit/README.md");
  REQUIRE_MESSAGE(f.good(), "run from the repository root");
  std::stringstream s;
  s << f.rdbuf();
  const std::string text = s.str();
  const size_t a = text.find("```json") + 7;
  return json::parse(text.substr(a, text.find("```", a) - a));
}

}  // namespace

TEST_CASE("the README example: parses, simulates, the methods agree") {
  const json doc = readme_example();
  const Circuit c = json_io::circuit_from_json(doc);
  CHECK(c.n_wires() == 3);
  CHECK(c.n_inputs() == 7);
  CHECK(c.n_weights() == 24);
  CHECK(c.n_observables() == 3);
  const Batch b = json_io::batch_from_json(c, doc);
  CHECK(b.size == 2);
  const SimOptions o{Precision::Complex128};
  const Jacobian adj = jacobian(c, b, DiffMethod::Adjoint, o);
  const Jacobian ps = jacobian(c, b, DiffMethod::ParameterShift, o, {false, true});
  const Jacobian fd = jacobian(c, b, DiffMethod::FiniteDiff, o);
  for (size_t i = 0; i < adj.weights.size(); ++i) {
    CHECK(adj.weights[i] == doctest::Approx(ps.weights[i]).epsilon(1e-9).scale(1));
    CHECK(adj.weights[i] == doctest::Approx(fd.weights[i]).epsilon(1e-6).scale(1));
  }
  for (size_t i = 0; i < adj.inputs.size(); ++i)
    CHECK(adj.inputs[i] == doctest::Approx(fd.inputs[i]).epsilon(1e-6).scale(1));
}

TEST_CASE("round trip: circuit_to_json then circuit_from_json simulates the same") {
  for (const Circuit& c : {qcnn_circuit(4, 2), qdense_circuit(3, 2), qefficient_circuit(3, 2)}) {
    json doc = json_io::circuit_to_json(c);
    std::mt19937_64 gen(3);
    std::uniform_real_distribution<double> u(0.1, 1.0);
    Batch b;
    b.size = 3;
    for (int i = 0; i < 3 * c.n_inputs(); ++i) b.inputs.push_back(u(gen));
    for (int i = 0; i < c.n_weights(); ++i) b.weights.push_back(u(gen));
    doc.update(json_io::batch_to_json(c, b));
    const json reparsed = json::parse(doc.dump());
    const Circuit d = json_io::circuit_from_json(reparsed);
    const Batch e = json_io::batch_from_json(d, reparsed);
    CHECK(expectation_values(c, b) == expectation_values(d, e));
  }
  // a study circuit by name
  const Circuit q = json_io::circuit_from_json({{"circuit", "qml"}, {"qubits", 8}, {"layers", 4}});
  CHECK(q.n_weights() == 96);
}

TEST_CASE("bad documents give clear errors") {
  auto parse = [](const std::string& text) {
    return json_io::circuit_from_json(json::parse(text));
  };
  CHECK_THROWS_WITH_AS(
      parse(R"({"wires": 2, "gates": [{"gate": "Foo", "wires": [0]}], "observables": []})"),
      doctest::Contains("unknown gate 'Foo'"), Error);
  CHECK_THROWS_WITH_AS(
      parse(R"({"wires": 2, "gates": [{"gate": "CNOT", "wires": [0, 2]}], "observables": []})"),
      doctest::Contains("wire 2 out of range"), Error);
  CHECK_THROWS_WITH_AS(
      parse(R"({"wires": 2, "gates": [{"gate": "RX", "wires": [0], "params": [{"w": 1}]}], "observables": []})"),
      doctest::Contains("needs \"input\" or \"weight\""), Error);
  CHECK_THROWS_WITH_AS(
      parse(R"({"wires": 2, "observables": [{"pauli": "ZZ", "wires": [0]}]})"),
      doctest::Contains("Pauli word 'ZZ' for 1 wire"), Error);
  const json doc = json::parse(
      R"({"wires": 1, "gates": [{"gate": "RX", "wires": [0], "params": [{"input": 0}]}],
          "observables": [{"pauli": "Z", "wires": [0]}], "inputs": [[0.1], [0.2, 0.3]]})");
  const Circuit c = json_io::circuit_from_json(doc);
  CHECK_THROWS_WITH_AS(json_io::batch_from_json(c, doc), doctest::Contains("inputs hold 3 values"),
                       Error);
}

#else
TEST_CASE("circuit JSON (needs nlohmann-json)") {
  msq::test::skip("nlohmann/json.hpp is not installed");
}
#endif
