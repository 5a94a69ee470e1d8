// Models by name, and the JSON config that fully describes an instance.
//
//   ModelConfig c = ModelConfig::from_json(R"({"architecture": "qresnet50", "n_qubits": 4})");
//   std::shared_ptr<Backbone> m = build_model(c);   // freezing applied as configured
//
// Names: cnn; resnet18/34/50/101/152; densenet121/161/169/201; efficientnet_b0..b7,
// efficientnet_v2_s/m/l; and each with a "q" in front for its hybrid (qcnn, qresnet50,
// qdensenet121, qefficientnet_b3 are the study's): QCNN's circuit for the CNN, the
// amplitude-embedding circuit for ResNet and DenseNet, the angle-embedding one for
// EfficientNet (models/hybrid.h).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/backbone.h"
#include "models/heads.h"
#include "models/hybrid.h"

namespace msq::models {

struct ModelConfig {
  std::string architecture = "resnet50";
  int64_t num_classes = 2;
  int64_t input_height = 224, input_width = 224;  // the CNN's flatten size depends on it
  // "dense": the study's head (or the hybrid head for q* names); "torchvision": the
  // backbone's own classifier with num_classes outputs (for ImageNet weights and parity).
  std::string head = "dense";
  DenseStack dense;                 // n_dense, units, dropout
  QuantumOptions quantum;           // n_qubits, n_layers (hybrids only)
  std::string freezing = "study";   // none | study | backbone
  bool freeze_batchnorm_eval = true;
  double stochastic_depth_prob = 0.2;  // EfficientNet only

  // Every field, always (a saved config rebuilds the same model).
  std::string to_json() const;
  // Unknown keys and wrong types are errors; absent keys keep the defaults above.
  static ModelConfig from_json(const std::string& text);
};

struct ArchitectureInfo {
  std::string family;    // cnn, resnet, densenet, efficientnet
  std::string backbone;  // the name without the hybrid "q" (resnet50)
  bool hybrid = false;
  std::string torchvision_name;  // "" for the CNN
};

// Splits a registered name; an error listing the names for an unknown one.
ArchitectureInfo architecture_info(const std::string& name);
// Every registered name (backbones, then their hybrids).
std::vector<std::string> registered_models();

// Builds the model (train mode, torchvision's initialisation) and applies the freezing.
std::shared_ptr<Backbone> build_model(const ModelConfig& config);
std::shared_ptr<Backbone> build_model(const std::string& name);  // the defaults otherwise

}  // namespace msq::models
