// A circuit description: wires, gates with parameters, an optional amplitude embedding and
// the observables to measure. Nothing here simulates; simulator.h runs a Circuit.
//
// Conventions follow PennyLane: wire 0 is the most significant bit of the basis index;
// RX(t) = exp(-i t X / 2); Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi); controlled
// gates list their control wire(s) first and the target last.
//
// Each gate parameter is a constant, an input feature of the sample times a scale
// (pi * x[j]), or a trainable weight times a scale: Param::constant / input / weight.
#pragma once
#include <array>
#include <complex>
#include <optional>
#include <string>
#include <vector>

namespace msq::quantum {

using cdouble = std::complex<double>;

enum class GateKind {
  H, X, Y, Z, S, T, SX,                 // fixed one-qubit gates
  RX, RY, RZ, PhaseShift, Rot,          // parametrised one-qubit gates
  CNOT, CZ, SWAP, CRX, CRY, CRZ, CPhase, Toffoli,
  Unitary1, Unitary2,                   // arbitrary 2x2 / 4x4 (row-major, wires[0] = MSB)
};

struct GateInfo {
  const char* name;  // PennyLane's name ("RX", "CNOT", "ControlledPhaseShift", "QubitUnitary")
  int wires;         // 0 for Unitary (1 or 2 by its matrix)
  int params;
  int controls;      // leading control wires
};
const GateInfo& gate_info(GateKind kind);
// By PennyLane's name or a short alias ("CPhase", "CX", "CCNOT", "U1", "U2"); errors if unknown.
GateKind gate_kind_from_name(const std::string& name);

struct Param {
  enum class Source { Constant, Input, Weight };
  Source source = Source::Constant;
  int index = 0;       // the input feature or weight
  double scale = 1.0;  // value = scale * x[index] or scale * w[index]
  double value = 0.0;  // constants only

  static Param constant(double v) { return {Source::Constant, 0, 1.0, v}; }
  static Param input(int index, double scale = 1.0) { return {Source::Input, index, scale, 0.0}; }
  static Param weight(int index, double scale = 1.0) { return {Source::Weight, index, scale, 0.0}; }
};

struct Gate {
  GateKind kind;
  std::vector<int> wires;
  std::vector<Param> params;
  std::vector<cdouble> matrix;  // Unitary1 (4) / Unitary2 (16)
};

// Amplitude embedding (PennyLane's AmplitudeEmbedding on all wires): the inputs
// x[offset .. offset + length) padded with `pad` to 2^n, then normalised, are the state.
struct AmplitudeEmbedding {
  int offset = 0;
  int length = 0;
  std::optional<double> pad;  // required when length < 2^n
  bool normalize = true;      // without it, the vector must already have norm 1
};

// A Pauli-string product (empty = identity) or a Hermitian 2x2 on one wire.
struct Observable {
  enum class Kind { Pauli, Hermitian };
  Kind kind = Kind::Pauli;
  std::vector<std::pair<int, char>> paulis;  // (wire, 'X' | 'Y' | 'Z'), distinct wires
  int wire = 0;                              // Hermitian
  std::array<cdouble, 4> matrix{};           // Hermitian, row-major

  static Observable pauli(char p, int wire) { return string({{wire, p}}); }
  static Observable string(std::vector<std::pair<int, char>> paulis);
  static Observable hermitian(int wire, const std::array<cdouble, 4>& m);
  std::string str() const;
};

class Circuit {
 public:
  explicit Circuit(int n_wires);

  int n_wires() const { return n_wires_; }
  // Inputs per sample and weights: the highest index used + 1, or more if declared.
  int n_inputs() const { return n_inputs_; }
  int n_weights() const { return n_weights_; }
  void declare_inputs(int n);
  void declare_weights(int n);

  // Appends a gate after checking wires (range, no repeats), parameter count, matrix size
  // and unitarity, and constant parameters (no NaN).
  Circuit& add(GateKind kind, std::vector<int> wires, std::vector<Param> params = {},
               std::vector<cdouble> matrix = {});
  Circuit& amplitude_embedding(const AmplitudeEmbedding& e);  // before any gate
  Circuit& measure(const Observable& o);                      // an expectation value

  const std::vector<Gate>& gates() const { return gates_; }
  const std::optional<AmplitudeEmbedding>& embedding() const { return embedding_; }
  const std::vector<Observable>& observables() const { return observables_; }
  int n_observables() const { return int(observables_.size()); }
  // Number of parameter slots (sum of the gates' parameter counts).
  int n_slots() const { return n_slots_; }

 private:
  void check_wire(int w, const char* what) const;
  void use_param(const Param& p);

  int n_wires_;
  int n_inputs_ = 0;
  int n_weights_ = 0;
  int n_slots_ = 0;
  std::vector<Gate> gates_;
  std::optional<AmplitudeEmbedding> embedding_;
  std::vector<Observable> observables_;
};

}  // namespace msq::quantum
