#include "models/registry.h"

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "models/cnn.h"
#include "models/densenet.h"
#include "models/efficientnet.h"
#include "models/freezing.h"
#include "models/resnet.h"

namespace msq::models {
namespace {

using nlohmann::json;

const std::vector<std::string>& backbone_names() {
  static const std::vector<std::string> names = {
      "cnn", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "densenet121",
      "densenet161", "densenet169", "densenet201", "efficientnet_b0", "efficientnet_b1",
      "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5",
      "efficientnet_b6", "efficientnet_b7", "efficientnet_v2_s", "efficientnet_v2_m",
      "efficientnet_v2_l"};
  return names;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

std::string joined_names() {
  std::string out;
  for (const auto& n : registered_models()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

template <class T>
void read(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  try {
    out = it->get<T>();
  } catch (const json::exception& e) {
    fail("ModelConfig", "key '", key, "': ", e.what());
  }
}

}  // namespace

std::vector<std::string> registered_models() {
  std::vector<std::string> out = backbone_names();
  for (const auto& n : backbone_names()) out.push_back("q" + n);
  return out;
}

ArchitectureInfo architecture_info(const std::string& name) {
  ArchitectureInfo info;
  info.hybrid = starts_with(name, "q");
  info.backbone = info.hybrid ? name.substr(1) : name;
  bool known = false;
  for (const auto& n : backbone_names()) known = known || n == info.backbone;
  check(known, "models", "unknown model '", name, "'; registered: ", joined_names());
  for (const char* f : {"cnn", "resnet", "densenet", "efficientnet"}) {
    if (starts_with(info.backbone, f)) info.family = f;
  }
  info.torchvision_name = info.family == "cnn" ? "" : info.backbone;
  return info;
}

std::string ModelConfig::to_json() const {
  json j = {{"architecture", architecture},
            {"num_classes", num_classes},
            {"input_height", input_height},
            {"input_width", input_width},
            {"head", head},
            {"n_dense", dense.n_dense},
            {"units", dense.units},
            {"dropout", dense.dropout},
            {"n_qubits", quantum.n_qubits},
            {"n_layers", quantum.n_layers},
            {"proj_norm", quantum.proj_norm},
            {"freezing", freezing},
            {"freeze_batchnorm_eval", freeze_batchnorm_eval},
            {"stochastic_depth_prob", stochastic_depth_prob}};
  return j.dump(2);
}

ModelConfig ModelConfig::from_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail("ModelConfig", "not valid JSON: ", e.what());
  }
  check(j.is_object(), "ModelConfig", "expects a JSON object");
  static const char* keys[] = {"architecture", "num_classes", "input_height", "input_width",
                               "head", "n_dense", "units", "dropout", "n_qubits", "n_layers",
                               "proj_norm",
                               "freezing", "freeze_batchnorm_eval", "stochastic_depth_prob"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : keys) ok = ok || it.key() == k;
    check(ok, "ModelConfig", "unknown key '", it.key(), "'");
  }
  ModelConfig c;
  read(j, "architecture", c.architecture);
  read(j, "num_classes", c.num_classes);
  read(j, "input_height", c.input_height);
  read(j, "input_width", c.input_width);
  read(j, "head", c.head);
  read(j, "n_dense", c.dense.n_dense);
  read(j, "units", c.dense.units);
  read(j, "dropout", c.dense.dropout);
  read(j, "n_qubits", c.quantum.n_qubits);
  read(j, "n_layers", c.quantum.n_layers);
  read(j, "proj_norm", c.quantum.proj_norm);
  read(j, "freezing", c.freezing);
  read(j, "freeze_batchnorm_eval", c.freeze_batchnorm_eval);
  read(j, "stochastic_depth_prob", c.stochastic_depth_prob);
  architecture_info(c.architecture);  // validates the name
  return c;
}

std::shared_ptr<Backbone> build_model(const ModelConfig& c) {
  const ArchitectureInfo info = architecture_info(c.architecture);
  check(c.head == "dense" || c.head == "torchvision", "models", "head must be 'dense' or ",
        "'torchvision', got '", c.head, "'");
  check(!(info.hybrid && c.head == "torchvision"), "models", "a hybrid model ('",
        c.architecture, "') has the hybrid head, not torchvision's");
  check(c.num_classes > 0, "models", "num_classes must be positive, got ", c.num_classes);
  HeadFactory make_head;
  if (info.hybrid) {
    HybridHeadOptions h;
    h.kind = info.family == "cnn"            ? HybridKind::QCNN
             : info.family == "efficientnet" ? HybridKind::QEfficient
                                             : HybridKind::QDense;
    h.stack = c.dense;
    h.quantum = c.quantum;
    h.num_classes = c.num_classes;
    make_head = [h](int64_t in) { return std::make_shared<HybridHead>(in, h); };
  } else if (c.head == "dense") {
    const DenseStack stack = c.dense;
    const int64_t classes = c.num_classes;
    make_head = [stack, classes](int64_t in) { return dense_head(in, stack, classes); };
  }
  std::shared_ptr<Backbone> model;
  if (info.family == "cnn") {
    CnnOptions o;
    o.input_h = c.input_height;
    o.input_w = c.input_width;
    o.head = c.dense;
    o.num_classes = c.num_classes;
    o.make_head = make_head;
    model = std::make_shared<Cnn>(o);
  } else if (info.family == "resnet") {
    model = std::make_shared<ResNet>(
        ResNetOptions{std::stoi(info.backbone.substr(6)), c.num_classes, make_head});
  } else if (info.family == "densenet") {
    DenseNetOptions o;
    o.depth = std::stoi(info.backbone.substr(8));
    o.num_classes = c.num_classes;
    o.make_head = make_head;
    model = std::make_shared<DenseNet>(o);
  } else {
    EfficientNetOptions o;
    o.variant = info.backbone.substr(13);
    o.num_classes = c.num_classes;
    o.stochastic_depth_prob = c.stochastic_depth_prob;
    o.make_head = make_head;
    model = std::make_shared<EfficientNet>(o);
  }
  apply_freezing(*model, info.family, c.freezing, c.freeze_batchnorm_eval);
  return model;
}

std::shared_ptr<Backbone> build_model(const std::string& name) {
  ModelConfig c;
  c.architecture = name;
  return build_model(c);
}

}  // namespace msq::models
