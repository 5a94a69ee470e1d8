#include "models/hybrid.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/nn/nn.h"
#include "engine/ops/elementwise.h"
#include "engine/quantum/templates.h"

namespace msq::models {

std::string hybrid_kind_name(HybridKind kind) {
  switch (kind) {
    case HybridKind::QCNN: return "qcnn";
    case HybridKind::QDense: return "qdense";
    case HybridKind::QEfficient: return "qefficient";
  }
  return "?";
}

HybridHead::HybridHead(int64_t in, const HybridHeadOptions& o) : options_(o) {
  const int n = o.quantum.n_qubits, layers = o.quantum.n_layers;
  check(n >= 1 && n <= 20, "HybridHead", "n_qubits must be in 1..20, got ", n);
  check(layers >= 0, "HybridHead", "n_layers must be >= 0, got ", layers);
  int64_t width = in;
  if (o.kind != HybridKind::QCNN && o.stack.n_dense > 0) {
    pre_ = register_module("pre", dense_layers(in, o.stack));
    width = dense_layers_out(in, o.stack);
  }
  quantum::LayerOptions lo;
  quantum::Circuit circuit(1);
  int64_t proj_out = n, measured = n;
  switch (o.kind) {
    case HybridKind::QCNN:
      circuit = quantum::qcnn_circuit(n, layers);
      lo.weight_shape = {layers, n};
      break;
    case HybridKind::QDense:
      circuit = quantum::qdense_circuit(n, layers);
      lo.weight_shape = {layers, n, 3};
      proj_out = int64_t(1) << n;
      measured = 2 * n;
      break;
    case HybridKind::QEfficient:
      circuit = quantum::qefficient_circuit(n, layers);
      lo.weight_shape = {layers, n, 3};
      break;
  }
  proj_ = register_module("proj", std::make_shared<nn::Linear>(width, proj_out));
  check(o.quantum.proj_norm == "none" || o.quantum.proj_norm == "batchnorm", "HybridHead",
        "proj_norm must be 'none' or 'batchnorm', got '", o.quantum.proj_norm, "'");
  if (o.quantum.proj_norm == "batchnorm") {
    proj_norm_ = register_module("proj_norm", std::make_shared<nn::BatchNorm2d>(proj_out));
  }
  quantum_ = register_module("quantum", std::make_shared<quantum::QuantumLayer>(circuit, lo));
  if (o.kind == HybridKind::QCNN) {
    post_ = register_module("post", dense_head(measured, o.stack, o.num_classes));
  } else {
    DenseStack one = o.stack;
    one.n_dense = 1;
    post_ = register_module("post", dense_head(measured, one, o.num_classes));
  }
}

Tensor HybridHead::quantum_features(const Tensor& x) {
  check(x.dim() == 2, "HybridHead", "expects [B, features], got ", shape_str(x.shape()));
  Tensor y = pre_ ? pre_->forward(x) : x;
  y = proj_->forward(y);
  if (proj_norm_) {
    const int64_t b = y.size(0), n = y.size(1);
    y = proj_norm_->forward(y.reshape({b, n, 1, 1})).reshape({b, n});
  }
  y = sigmoid(y);
  // Amplitude embedding normalises, so the text's "within [0, pi]" scale is moot there.
  if (options_.kind == HybridKind::QEfficient) y = mul(y, M_PI);
  return quantum_->forward(y);
}

Tensor HybridHead::forward(const Tensor& x) { return post_->forward(quantum_features(x)); }

}  // namespace msq::models
