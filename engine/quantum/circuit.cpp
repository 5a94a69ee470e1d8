#include "engine/quantum/circuit.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/core/error.h"

namespace msq::quantum {

const GateInfo& gate_info(GateKind kind) {
  static const GateInfo table[] = {
      {"Hadamard", 1, 0, 0}, {"PauliX", 1, 0, 0}, {"PauliY", 1, 0, 0}, {"PauliZ", 1, 0, 0},
      {"S", 1, 0, 0}, {"T", 1, 0, 0}, {"SX", 1, 0, 0},
      {"RX", 1, 1, 0}, {"RY", 1, 1, 0}, {"RZ", 1, 1, 0}, {"PhaseShift", 1, 1, 0},
      {"Rot", 1, 3, 0},
      {"CNOT", 2, 0, 1}, {"CZ", 2, 0, 1}, {"SWAP", 2, 0, 0}, {"CRX", 2, 1, 1},
      {"CRY", 2, 1, 1}, {"CRZ", 2, 1, 1}, {"ControlledPhaseShift", 2, 1, 1},
      {"Toffoli", 3, 0, 2},
      {"QubitUnitary", 1, 0, 0}, {"QubitUnitary", 2, 0, 0},
  };
  return table[static_cast<int>(kind)];
}

GateKind gate_kind_from_name(const std::string& name) {
  static const std::pair<const char*, GateKind> aliases[] = {
      {"Hadamard", GateKind::H}, {"H", GateKind::H}, {"PauliX", GateKind::X},
      {"X", GateKind::X}, {"PauliY", GateKind::Y}, {"Y", GateKind::Y},
      {"PauliZ", GateKind::Z}, {"Z", GateKind::Z}, {"S", GateKind::S}, {"T", GateKind::T},
      {"SX", GateKind::SX}, {"RX", GateKind::RX}, {"RY", GateKind::RY}, {"RZ", GateKind::RZ},
      {"PhaseShift", GateKind::PhaseShift}, {"Rot", GateKind::Rot}, {"CNOT", GateKind::CNOT},
      {"CX", GateKind::CNOT}, {"CZ", GateKind::CZ}, {"SWAP", GateKind::SWAP},
      {"CRX", GateKind::CRX}, {"CRY", GateKind::CRY}, {"CRZ", GateKind::CRZ},
      {"ControlledPhaseShift", GateKind::CPhase}, {"CPhase", GateKind::CPhase},
      {"Toffoli", GateKind::Toffoli}, {"CCNOT", GateKind::Toffoli},
      {"U1", GateKind::Unitary1}, {"U2", GateKind::Unitary2},
  };
  for (const auto& [n, k] : aliases)
    if (name == n) return k;
  fail("quantum", "unknown gate '", name, "'");
}

Observable Observable::string(std::vector<std::pair<int, char>> paulis) {
  Observable o;
  o.kind = Kind::Pauli;
  for (auto& [w, p] : paulis) {
    p = char(std::toupper(p));
    check(p == 'X' || p == 'Y' || p == 'Z' || p == 'I', "quantum", "unknown Pauli '", p, "'");
  }
  paulis.erase(std::remove_if(paulis.begin(), paulis.end(),
                              [](const auto& q) { return q.second == 'I'; }),
               paulis.end());
  o.paulis = std::move(paulis);
  return o;
}

Observable Observable::hermitian(int wire, const std::array<cdouble, 4>& m) {
  const double tol = 1e-10 * (1.0 + std::abs(m[0]) + std::abs(m[1]) + std::abs(m[3]));
  check(std::abs(m[0].imag()) <= tol && std::abs(m[3].imag()) <= tol &&
            std::abs(m[1] - std::conj(m[2])) <= tol,
        "quantum", "Hermitian observable on wire ", wire, " is not Hermitian");
  Observable o;
  o.kind = Kind::Hermitian;
  o.wire = wire;
  o.matrix = m;
  return o;
}

std::string Observable::str() const {
  std::ostringstream s;
  if (kind == Kind::Hermitian) {
    s << "Hermitian(" << wire << ")";
  } else if (paulis.empty()) {
    s << "Identity";
  } else {
    for (size_t i = 0; i < paulis.size(); ++i)
      s << (i ? " @ " : "") << paulis[i].second << "(" << paulis[i].first << ")";
  }
  return s.str();
}

Circuit::Circuit(int n_wires) : n_wires_(n_wires) {
  check(n_wires >= 1 && n_wires <= 40, "quantum", "a circuit needs 1..40 wires, got ", n_wires);
}

void Circuit::declare_inputs(int n) { n_inputs_ = std::max(n_inputs_, n); }
void Circuit::declare_weights(int n) { n_weights_ = std::max(n_weights_, n); }

void Circuit::check_wire(int w, const char* what) const {
  check(w >= 0 && w < n_wires_, "quantum", what, ": wire ", w, " out of range [0, ", n_wires_,
        ")");
}

void Circuit::use_param(const Param& p) {
  switch (p.source) {
    case Param::Source::Constant:
      check(std::isfinite(p.value), "quantum", "constant parameter is ", p.value);
      break;
    case Param::Source::Input:
      check(p.index >= 0, "quantum", "negative input index ", p.index);
      check(std::isfinite(p.scale), "quantum", "input scale is ", p.scale);
      declare_inputs(p.index + 1);
      break;
    case Param::Source::Weight:
      check(p.index >= 0, "quantum", "negative weight index ", p.index);
      check(std::isfinite(p.scale), "quantum", "weight scale is ", p.scale);
      declare_weights(p.index + 1);
      break;
  }
}

Circuit& Circuit::add(GateKind kind, std::vector<int> wires, std::vector<Param> params,
                      std::vector<cdouble> matrix) {
  const GateInfo& info = gate_info(kind);
  const char* name = info.name;
  int expected_wires = info.wires;
  if (kind == GateKind::Unitary1 || kind == GateKind::Unitary2) {
    const size_t dim = kind == GateKind::Unitary1 ? 2 : 4;
    check(matrix.size() == dim * dim, "quantum", name, " on ", wires.size(),
          " wire(s) needs a ", dim, "x", dim, " matrix, got ", matrix.size(), " entries");
    for (const cdouble& z : matrix)
      check(std::isfinite(z.real()) && std::isfinite(z.imag()), "quantum", name,
            " matrix has a non-finite entry");
    for (size_t r = 0; r < dim; ++r)
      for (size_t c = 0; c < dim; ++c) {
        cdouble dot = 0.0;
        for (size_t k = 0; k < dim; ++k) dot += std::conj(matrix[k * dim + r]) * matrix[k * dim + c];
        check(std::abs(dot - (r == c ? 1.0 : 0.0)) < 1e-8, "quantum", name,
              " matrix is not unitary (U^dagger U differs from I at ", r, ",", c, ")");
      }
  } else {
    check(matrix.empty(), "quantum", name, " takes no matrix");
  }
  check(int(wires.size()) == expected_wires, "quantum", name, " acts on ", expected_wires,
        " wire(s), got ", wires.size());
  for (size_t i = 0; i < wires.size(); ++i) {
    check_wire(wires[i], name);
    for (size_t j = 0; j < i; ++j)
      check(wires[i] != wires[j], "quantum", name, ": wire ", wires[i], " repeated");
  }
  check(int(params.size()) == info.params, "quantum", name, " takes ", info.params,
        " parameter(s), got ", params.size());
  for (const Param& p : params) use_param(p);
  n_slots_ += int(params.size());
  gates_.push_back({kind, std::move(wires), std::move(params), std::move(matrix)});
  return *this;
}

Circuit& Circuit::amplitude_embedding(const AmplitudeEmbedding& e) {
  check(gates_.empty(), "AmplitudeEmbedding", "must come before every gate");
  check(!embedding_, "AmplitudeEmbedding", "a circuit has at most one");
  const int64_t dim = int64_t(1) << n_wires_;
  check(e.offset >= 0 && e.length >= 1, "AmplitudeEmbedding", "bad input range [", e.offset,
        ", ", e.offset + e.length, ")");
  check(e.length <= dim, "AmplitudeEmbedding", "features of length ", e.length,
        " do not fit 2^", n_wires_, " = ", dim, " amplitudes");
  check(e.length == dim || e.pad.has_value(), "AmplitudeEmbedding", "features of length ",
        e.length, " need padding (pad) to reach 2^", n_wires_, " = ", dim);
  if (e.pad) check(std::isfinite(*e.pad), "AmplitudeEmbedding", "pad value is ", *e.pad);
  declare_inputs(e.offset + e.length);
  embedding_ = e;
  return *this;
}

Circuit& Circuit::measure(const Observable& o) {
  if (o.kind == Observable::Kind::Hermitian) {
    check_wire(o.wire, "Hermitian");
  } else {
    for (size_t i = 0; i < o.paulis.size(); ++i) {
      check_wire(o.paulis[i].first, "observable");
      for (size_t j = 0; j < i; ++j)
        check(o.paulis[i].first != o.paulis[j].first, "quantum", "observable ", o.str(),
              ": wire ", o.paulis[i].first, " repeated");
    }
  }
  observables_.push_back(o);
  return *this;
}

}  // namespace msq::quantum
