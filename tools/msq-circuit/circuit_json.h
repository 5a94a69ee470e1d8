// The JSON form of a circuit, its batch and the results (schema in tools/msq-circuit/README.md).
// Header-only so that the PennyLane comparison test can write the same documents.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "engine/core/error.h"
#include "engine/quantum/quantum.h"

namespace msq::quantum::json_io {

using nlohmann::json;

// ---- reading ------------------------------------------------------------------------------

inline Param param_from_json(const json& j) {
  if (j.is_number()) return Param::constant(j.get<double>());
  check(j.is_object(), "msq-circuit", "a parameter is a number or an object, got ", j.dump());
  const double scale = j.value("scale", 1.0);
  if (j.contains("input")) return Param::input(j.at("input").get<int>(), scale);
  if (j.contains("weight")) return Param::weight(j.at("weight").get<int>(), scale);
  fail("msq-circuit", "a parameter object needs \"input\" or \"weight\": ", j.dump());
}

inline cdouble complex_from_json(const json& j) {
  if (j.is_number()) return {j.get<double>(), 0.0};
  check(j.is_array() && j.size() == 2, "msq-circuit", "a complex number is x or [re, im], got ",
        j.dump());
  return {j[0].get<double>(), j[1].get<double>()};
}

// A matrix as rows of complex entries: [[a, b], [c, d]] with each entry x or [re, im].
inline std::vector<cdouble> matrix_from_json(const json& j) {
  std::vector<cdouble> m;
  for (const json& row : j)
    for (const json& z : row) m.push_back(complex_from_json(z));
  return m;
}

inline std::vector<int> wires_from_json(const json& j) {
  return j.at("wires").get<std::vector<int>>();
}

inline void add_from_json(Circuit& c, const json& g) {
  if (g.contains("template")) {
    const std::string t = g.at("template");
    const std::vector<int> wires = wires_from_json(g);
    if (t == "AngleEmbedding") {
      angle_embedding(c, wires, g.value("input_offset", 0),
                      g.value("rotation", std::string("X")).at(0), g.value("scale", 1.0));
    } else if (t == "BasicEntanglerLayers") {
      basic_entangler_layers(c, wires, g.at("layers").get<int>(), g.value("weight_offset", 0),
                             g.value("rotation", std::string("X")).at(0));
    } else if (t == "StronglyEntanglingLayers") {
      strongly_entangling_layers(c, wires, g.at("layers").get<int>(), g.value("weight_offset", 0),
                                 g.value("ranges", std::vector<int>{}));
    } else {
      fail("msq-circuit", "unknown template '", t, "'");
    }
    return;
  }
  const std::string name = g.at("gate");
  const std::vector<int> wires = wires_from_json(g);
  GateKind kind;
  if (name == "QubitUnitary") {
    kind = wires.size() == 1 ? GateKind::Unitary1 : GateKind::Unitary2;
  } else {
    kind = gate_kind_from_name(name);
  }
  std::vector<Param> params;
  for (const json& p : g.value("params", json::array())) params.push_back(param_from_json(p));
  std::vector<cdouble> matrix;
  if (g.contains("matrix")) matrix = matrix_from_json(g.at("matrix"));
  c.add(kind, wires, params, matrix);
}

inline Observable observable_from_json(const json& o) {
  const std::vector<int> wires = wires_from_json(o);
  if (o.contains("hermitian")) {
    const std::vector<cdouble> m = matrix_from_json(o.at("hermitian"));
    check(m.size() == 4 && wires.size() == 1, "msq-circuit",
          "a Hermitian observable is a 2x2 on one wire");
    return Observable::hermitian(wires[0], {m[0], m[1], m[2], m[3]});
  }
  const std::string p = o.at("pauli");
  check(p.size() == wires.size(), "msq-circuit", "Pauli word '", p, "' for ", wires.size(),
        " wire(s)");
  std::vector<std::pair<int, char>> terms;
  for (size_t i = 0; i < p.size(); ++i) terms.push_back({wires[i], p[i]});
  return Observable::string(terms);
}

// The circuit: "wires", optional "amplitude_embedding", "gates" (gates and templates) and
// "observables"; or a study circuit by name ("circuit": "qcnn" | "qdense" | "qefficient" |
// "qml", with "qubits" and "layers").
inline Circuit circuit_from_json(const json& j) {
  if (j.contains("circuit")) {
    const std::string name = j.at("circuit");
    const int n = j.at("qubits"), layers = j.at("layers");
    if (name == "qcnn") return qcnn_circuit(n, layers);
    if (name == "qdense") return qdense_circuit(n, layers);
    if (name == "qefficient") return qefficient_circuit(n, layers);
    if (name == "qml") return qml_workload_circuit(n, layers);
    fail("msq-circuit", "unknown circuit '", name, "' (qcnn, qdense, qefficient, qml)");
  }
  Circuit c(j.at("wires").get<int>());
  if (j.contains("amplitude_embedding")) {
    const json& e = j.at("amplitude_embedding");
    AmplitudeEmbedding a;
    a.offset = e.value("offset", 0);
    a.length = e.value("length", 1 << c.n_wires());
    if (e.contains("pad") && !e.at("pad").is_null()) a.pad = e.at("pad").get<double>();
    a.normalize = e.value("normalize", true);
    c.amplitude_embedding(a);
  }
  for (const json& g : j.value("gates", json::array())) add_from_json(c, g);
  for (const json& o : j.at("observables")) c.measure(observable_from_json(o));
  if (j.contains("n_inputs")) c.declare_inputs(j.at("n_inputs").get<int>());
  if (j.contains("n_weights")) c.declare_weights(j.at("n_weights").get<int>());
  return c;
}

// "inputs": [[...] per sample] (or one flat list for one sample), "weights": [...].
inline Batch batch_from_json(const Circuit& c, const json& j) {
  Batch b;
  const json inputs = j.value("inputs", json::array());
  if (!inputs.empty() && inputs[0].is_array()) {
    b.size = int64_t(inputs.size());
    for (const json& row : inputs)
      for (const json& v : row) b.inputs.push_back(v.get<double>());
  } else {
    b.size = 1;
    for (const json& v : inputs) b.inputs.push_back(v.get<double>());
  }
  if (j.contains("batch")) b.size = j.at("batch").get<int64_t>();  // circuits without inputs
  for (const json& v : j.value("weights", json::array())) b.weights.push_back(v.get<double>());
  check_batch(c, b, "msq-circuit");
  return b;
}

// ---- writing ------------------------------------------------------------------------------

inline json param_to_json(const Param& p) {
  switch (p.source) {
    case Param::Source::Constant: return p.value;
    case Param::Source::Input: return {{"input", p.index}, {"scale", p.scale}};
    case Param::Source::Weight: return {{"weight", p.index}, {"scale", p.scale}};
  }
  return nullptr;
}

inline json matrix_to_json(const std::vector<cdouble>& m, int dim) {
  json rows = json::array();
  for (int r = 0; r < dim; ++r) {
    json row = json::array();
    for (int c = 0; c < dim; ++c) row.push_back({m[r * dim + c].real(), m[r * dim + c].imag()});
    rows.push_back(row);
  }
  return rows;
}

inline json circuit_to_json(const Circuit& c) {
  json j;
  j["wires"] = c.n_wires();
  j["n_inputs"] = c.n_inputs();
  j["n_weights"] = c.n_weights();
  if (c.embedding()) {
    const AmplitudeEmbedding& e = *c.embedding();
    j["amplitude_embedding"] = {{"offset", e.offset}, {"length", e.length},
                                {"pad", e.pad ? json(*e.pad) : json(nullptr)},
                                {"normalize", e.normalize}};
  }
  json gates = json::array();
  for (const Gate& g : c.gates()) {
    json jg = {{"gate", gate_info(g.kind).name}, {"wires", g.wires}};
    json ps = json::array();
    for (const Param& p : g.params) ps.push_back(param_to_json(p));
    if (!ps.empty()) jg["params"] = ps;
    if (!g.matrix.empty()) jg["matrix"] = matrix_to_json(g.matrix, g.matrix.size() == 4 ? 2 : 4);
    gates.push_back(jg);
  }
  j["gates"] = gates;
  json obs = json::array();
  for (const Observable& o : c.observables()) {
    if (o.kind == Observable::Kind::Hermitian) {
      obs.push_back({{"hermitian", matrix_to_json({o.matrix.begin(), o.matrix.end()}, 2)},
                     {"wires", {o.wire}}});
    } else {
      std::string word;
      std::vector<int> wires;
      for (const auto& [w, p] : o.paulis) {
        word += p;
        wires.push_back(w);
      }
      obs.push_back({{"pauli", word}, {"wires", wires}});
    }
  }
  j["observables"] = obs;
  return j;
}

inline json batch_to_json(const Circuit& c, const Batch& b) {
  json j;
  json inputs = json::array();
  const int I = c.n_inputs();
  for (int64_t s = 0; s < b.size; ++s)
    inputs.push_back(std::vector<double>(b.inputs.begin() + s * I, b.inputs.begin() + (s + 1) * I));
  j["inputs"] = inputs;
  j["batch"] = b.size;
  j["weights"] = b.weights;
  return j;
}

// [B][K][width] from a flat vector.
inline json nested(const std::vector<double>& v, int64_t B, int64_t K, int64_t width) {
  json out = json::array();
  for (int64_t b = 0; b < B; ++b) {
    json rows = json::array();
    for (int64_t k = 0; k < K; ++k)
      rows.push_back(std::vector<double>(v.begin() + (b * K + k) * width,
                                         v.begin() + (b * K + k + 1) * width));
    out.push_back(rows);
  }
  return out;
}

}  // namespace msq::quantum::json_io
