// The study's hybrid heads (docs/PAPER.md, "Hybrid models"): a variational circuit between
// the backbone's pooled features and the classifier, trained end to end. One module,
// HybridHead, with children
//   "pre"     the dense stack [Linear(units), ReLU, Dropout] x n_dense (absent for QCNN or
//             when n_dense is 0),
//   "proj"    Linear -> n_qubits (angle embeddings) or 2^n_qubits (amplitude embedding),
//   "proj_norm" BatchNorm over proj's outputs (only with QuantumOptions::proj_norm = batchnorm),
//   "quantum" the QuantumLayer (parameter "weights", PennyLane's TorchLayer shape),
//   "post"    the classifier after the measurements,
// so that in a backbone it reads e.g. "fc.proj.weight", "fc.quantum.weights".
//   QCNN:            proj -> n, sigmoid, RX(x_j), qcnn_circuit, <Z_j>; post = dense stack -> 2.
//   QResNet / QDenseNet: pre, proj -> 2^n, sigmoid, amplitude embedding (normalised),
//                    qdense_circuit, <X_j> and <Z_j>; post = Linear(units), ReLU, Dropout, Linear(2).
//   QEfficientNet:   pre, proj -> n, pi * sigmoid, RX(x_j), qefficient_circuit, <Z_j>;
//                    post = Linear(units), ReLU, Dropout, Linear(2).
#pragma once
#include <memory>
#include <string>

#include "engine/nn/sequential.h"
#include "engine/nn/conv_layers.h"
#include "engine/quantum/layer.h"
#include "models/heads.h"

namespace msq::models {

enum class HybridKind { QCNN, QDense, QEfficient };
std::string hybrid_kind_name(HybridKind kind);

struct QuantumOptions {
  int n_qubits = 4;
  int n_layers = 2;
  // "none" (the study): sigmoid(proj(x)). "batchnorm": sigmoid(BatchNorm(proj(x))), a child
  // "proj_norm" (BatchNorm1d's names and arithmetic) that centres and scales the projection
  // over the batch, so the embedding angles spread over the sigmoid's range; see
  // models/README.md ("QCNN training") for why the study's QCNN needs it from random init.
  std::string proj_norm = "none";
};

struct HybridHeadOptions {
  HybridKind kind = HybridKind::QDense;
  DenseStack stack;        // the dense stack (and post's units / dropout)
  QuantumOptions quantum;
  int64_t num_classes = 2;
};

class HybridHead : public nn::Module {
 public:
  HybridHead(int64_t in_features, const HybridHeadOptions& options);
  Tensor forward(const Tensor& x) override;  // [B, in_features] -> [B, num_classes]
  std::string type_name() const override { return "HybridHead"; }
  // The circuit's measurements for x: [B, in_features] -> [B, n_observables].
  Tensor quantum_features(const Tensor& x);
  const HybridHeadOptions& options() const { return options_; }
  quantum::QuantumLayer& quantum_layer() { return *quantum_; }

 private:
  HybridHeadOptions options_;
  std::shared_ptr<nn::Sequential> pre_, post_;
  std::shared_ptr<nn::Linear> proj_;
  std::shared_ptr<nn::BatchNorm2d> proj_norm_;  // applied to proj's output viewed as [B, n, 1, 1]
  std::shared_ptr<quantum::QuantumLayer> quantum_;
};

}  // namespace msq::models
