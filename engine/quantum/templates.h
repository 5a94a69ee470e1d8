// Circuit templates as PennyLane defines them, and the study's circuits (docs/PAPER.md).
// Weight indices are laid out row-major from `weight_offset` in the shape given per template,
// the same shape PennyLane's TorchLayer gives the weight tensor.
#pragma once
#include <vector>

#include "engine/quantum/circuit.h"

namespace msq::quantum {

// One rotation ('X', 'Y' or 'Z') per wire: R(scale * x[input_offset + i]) on wires[i].
void angle_embedding(Circuit& c, const std::vector<int>& wires, int input_offset = 0,
                     char rotation = 'X', double scale = 1.0);
// weights [n_layers][wires]: per layer a rotation per wire, then a CNOT ring (one CNOT for
// two wires, none for one), as qml.BasicEntanglerLayers.
void basic_entangler_layers(Circuit& c, const std::vector<int>& wires, int n_layers,
                            int weight_offset = 0, char rotation = 'X');
// weights [n_layers][wires][3]: per layer Rot on every wire, then CNOT(i, i + r mod n) with
// range r = ranges[l] (default l mod (n - 1) + 1), as qml.StronglyEntanglingLayers.
void strongly_entangling_layers(Circuit& c, const std::vector<int>& wires, int n_layers,
                                int weight_offset = 0, std::vector<int> ranges = {});

// The study's circuits (PAPER.md, "Hybrid models"); wires 0..n-1, weights from 0.
// QCNN: RX(x_j) embedding; n_layers x [CNOT(j, j+1) chain, RZ(w[l][j])]; <Z_j>.
Circuit qcnn_circuit(int n_qubits, int n_layers);
// QDenseNet121 / QResNet50: amplitude embedding of 2^n inputs (normalised); n_layers x
// [Rot(w[l][j][0..2]) on each wire, CNOT(j, j+1) chain]; <X_0..X_{n-1}> then <Z_0..Z_{n-1}>.
Circuit qdense_circuit(int n_qubits, int n_layers);
// QEfficientNetB3: RX(x_j) embedding (the model feeds pi * sigmoid); n_layers x
// [RX(w[l][j][0]) RY(w[l][j][1]) RZ(w[l][j][2]) on each wire, CNOT ring j -> j+1 mod n]; <Z_j>.
Circuit qefficient_circuit(int n_qubits, int n_layers);
// PERFORMANCE.md's QML workload (QML-8x4 is n = 8, 4 layers): RX(x_j) embedding; n_layers x
// [RZ RY RZ on every wire (w[l][j][0..2]), CNOT ring j -> j+1 mod n]; <Z_j>.
Circuit qml_workload_circuit(int n_qubits, int n_layers);

}  // namespace msq::quantum
