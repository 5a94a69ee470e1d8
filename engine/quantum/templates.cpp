#include "engine/quantum/templates.h"

#include <cctype>

#include "engine/core/error.h"

namespace msq::quantum {
namespace {

GateKind rotation_kind(char r, const char* op) {
  switch (std::toupper(r)) {
    case 'X': return GateKind::RX;
    case 'Y': return GateKind::RY;
    case 'Z': return GateKind::RZ;
  }
  fail(op, "rotation must be X, Y or Z, got '", r, "'");
}

void cnot_chain(Circuit& c, int n) {
  for (int j = 0; j + 1 < n; ++j) c.add(GateKind::CNOT, {j, j + 1});
}
void cnot_ring(Circuit& c, int n) {
  if (n < 2) return;
  for (int j = 0; j < n; ++j) c.add(GateKind::CNOT, {j, (j + 1) % n});
}

}  // namespace

void angle_embedding(Circuit& c, const std::vector<int>& wires, int input_offset, char rotation,
                     double scale) {
  const GateKind k = rotation_kind(rotation, "AngleEmbedding");
  for (size_t i = 0; i < wires.size(); ++i)
    c.add(k, {wires[i]}, {Param::input(input_offset + int(i), scale)});
}

void basic_entangler_layers(Circuit& c, const std::vector<int>& wires, int n_layers,
                            int weight_offset, char rotation) {
  const GateKind k = rotation_kind(rotation, "BasicEntanglerLayers");
  const int n = int(wires.size());
  for (int l = 0; l < n_layers; ++l) {
    for (int i = 0; i < n; ++i) c.add(k, {wires[i]}, {Param::weight(weight_offset + l * n + i)});
    if (n == 2) {
      c.add(GateKind::CNOT, {wires[0], wires[1]});
    } else if (n > 2) {
      for (int i = 0; i < n; ++i) c.add(GateKind::CNOT, {wires[i], wires[(i + 1) % n]});
    }
  }
}

void strongly_entangling_layers(Circuit& c, const std::vector<int>& wires, int n_layers,
                                int weight_offset, std::vector<int> ranges) {
  const int n = int(wires.size());
  if (ranges.empty() && n > 1)
    for (int l = 0; l < n_layers; ++l) ranges.push_back(l % (n - 1) + 1);
  if (n > 1)
    check(int(ranges.size()) == n_layers, "StronglyEntanglingLayers", "need ", n_layers,
          " ranges, got ", ranges.size());
  for (int l = 0; l < n_layers; ++l) {
    for (int i = 0; i < n; ++i) {
      const int w = weight_offset + (l * n + i) * 3;
      c.add(GateKind::Rot, {wires[i]},
            {Param::weight(w), Param::weight(w + 1), Param::weight(w + 2)});
    }
    if (n > 1) {
      const int r = ranges[l];
      check(r > 0 && r < n, "StronglyEntanglingLayers", "range ", r, " must be in [1, ", n, ")");
      for (int i = 0; i < n; ++i) c.add(GateKind::CNOT, {wires[i], wires[(i + r) % n]});
    }
  }
}

static std::vector<int> all_wires(int n) {
  std::vector<int> w(n);
  for (int i = 0; i < n; ++i) w[i] = i;
  return w;
}

Circuit qcnn_circuit(int n, int n_layers) {
  Circuit c(n);
  angle_embedding(c, all_wires(n), 0, 'X');
  for (int l = 0; l < n_layers; ++l) {
    cnot_chain(c, n);
    for (int j = 0; j < n; ++j) c.add(GateKind::RZ, {j}, {Param::weight(l * n + j)});
  }
  for (int j = 0; j < n; ++j) c.measure(Observable::pauli('Z', j));
  c.declare_weights(n_layers * n);
  return c;
}

Circuit qdense_circuit(int n, int n_layers) {
  Circuit c(n);
  c.amplitude_embedding({0, 1 << n, 0.0, true});
  for (int l = 0; l < n_layers; ++l) {
    for (int j = 0; j < n; ++j) {
      const int w = (l * n + j) * 3;
      c.add(GateKind::Rot, {j}, {Param::weight(w), Param::weight(w + 1), Param::weight(w + 2)});
    }
    cnot_chain(c, n);
  }
  for (int j = 0; j < n; ++j) c.measure(Observable::pauli('X', j));
  for (int j = 0; j < n; ++j) c.measure(Observable::pauli('Z', j));
  c.declare_weights(n_layers * n * 3);
  return c;
}

static Circuit three_rotation_layers(int n, int n_layers, const GateKind (&kinds)[3]) {
  Circuit c(n);
  angle_embedding(c, all_wires(n), 0, 'X');
  for (int l = 0; l < n_layers; ++l) {
    for (int j = 0; j < n; ++j)
      for (int r = 0; r < 3; ++r) c.add(kinds[r], {j}, {Param::weight((l * n + j) * 3 + r)});
    cnot_ring(c, n);
  }
  for (int j = 0; j < n; ++j) c.measure(Observable::pauli('Z', j));
  c.declare_weights(n_layers * n * 3);
  return c;
}

Circuit qefficient_circuit(int n, int n_layers) {
  return three_rotation_layers(n, n_layers, {GateKind::RX, GateKind::RY, GateKind::RZ});
}

Circuit qml_workload_circuit(int n, int n_layers) {
  return three_rotation_layers(n, n_layers, {GateKind::RZ, GateKind::RY, GateKind::RZ});
}

}  // namespace msq::quantum
