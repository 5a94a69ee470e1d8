// The registry, the JSON config, the heads, freezing and the CNN, without PyTorch:
// parameter counts and state_dict sizes equal torchvision 0.14's (numbers printed by
// torchvision itself), configs round-trip, bad configs fail with messages.
#include <doctest/doctest.h>

#include "engine/msq.h"
#include "engine/nn/nn.h"
#include "models/models.h"
#include "test_support.h"

using namespace msq;
using namespace msq::models;

namespace {

ModelConfig torchvision_head(const std::string& arch) {
  ModelConfig c;
  c.architecture = arch;
  c.head = "torchvision";
  c.num_classes = 1000;
  c.freezing = "none";
  return c;
}

}  // namespace

TEST_CASE("torchvision backbones have torchvision's parameter counts and state_dict sizes") {
  struct Row { const char* name; int64_t params; size_t entries; };
  // torchvision 0.14, 1000 classes: sum(p.numel()), len(state_dict()).
  const Row rows[] = {{"resnet18", 11689512, 122},        {"resnet50", 25557032, 320},
                      {"densenet121", 7978856, 727},      {"efficientnet_b0", 5288548, 360},
                      {"efficientnet_b3", 12233232, 574}, {"efficientnet_v2_s", 21458488, 782}};
  for (const Row& r : rows) {
    auto m = build_model(torchvision_head(r.name));
    CHECK_MESSAGE(m->parameter_count() == r.params, r.name);
    CHECK_MESSAGE(m->state_dict().size() == r.entries, r.name);
  }
}

TEST_CASE("names follow torchvision's state_dict keys") {
  auto r = build_model(torchvision_head("resnet50"));
  auto names = r->state_dict();
  auto has = [&](const std::string& n) {
    for (auto& [k, v] : names) {
      if (k == n) return true;
    }
    return false;
  };
  CHECK(has("layer1.0.downsample.0.weight"));
  CHECK(has("layer4.2.bn3.num_batches_tracked"));
  CHECK(has("fc.bias"));
  names = build_model(torchvision_head("densenet121"))->state_dict();
  CHECK(has("features.denseblock1.denselayer1.norm1.weight"));
  CHECK(has("features.transition3.conv.weight"));
  CHECK(has("features.norm5.running_var"));
  names = build_model(torchvision_head("efficientnet_b3"))->state_dict();
  CHECK(has("features.1.0.block.0.0.weight"));
  CHECK(has("features.2.0.block.2.fc1.bias"));
  CHECK(has("features.8.1.running_mean"));
  CHECK(has("classifier.1.weight"));
}

TEST_CASE("the study's heads and hybrids have the documented widths") {
  ModelConfig c;
  c.architecture = "resnet50";
  c.dense = {2, 64, 0.25};
  auto m = build_model(c);
  CHECK(m->num_features() == 2048);
  auto head = std::dynamic_pointer_cast<nn::Sequential>(m->head());
  REQUIRE(head);
  CHECK(head->size() == 7);  // 2 x [Linear, ReLU, Dropout] + Linear
  CHECK(std::dynamic_pointer_cast<nn::Dropout>((*head)[2])->p == doctest::Approx(0.25));

  c.architecture = "qdensenet121";
  c.quantum = {3, 2};
  m = build_model(c);
  CHECK(m->num_features() == 1024);
  auto hybrid = std::dynamic_pointer_cast<HybridHead>(m->head());
  REQUIRE(hybrid);
  CHECK(hybrid->quantum_layer().weights().shape() == Shape{2, 3, 3});
  m->eval();
  NoGradGuard no_grad;
  manual_seed(3);
  Tensor feats = rand({2, 1024});
  CHECK(hybrid->quantum_features(feats).shape() == Shape{2, 6});  // <X_j> and <Z_j>
  CHECK(m->head()->forward(feats).shape() == Shape{2, 2});

  c.architecture = "qefficientnet_b3";
  m = build_model(c);
  CHECK(m->num_features() == 1536);
  hybrid = std::dynamic_pointer_cast<HybridHead>(m->head());
  CHECK(hybrid->quantum_features(rand({2, 1536})).shape() == Shape{2, 3});
}

TEST_CASE("the CNN infers its flatten size from the input size") {
  ModelConfig c;
  c.architecture = "cnn";
  c.input_height = 36;
  c.input_width = 20;
  c.dense = {1, 8, 0.5};
  auto m = build_model(c);
  CHECK(m->num_features() == 64 * 9 * 5);
  m->eval();
  NoGradGuard no_grad;
  CHECK(m->forward(rand({2, 3, 36, 20})).shape() == Shape{2, 2});
  CHECK_THROWS_WITH_AS(m->forward(rand({2, 3, 32, 20})), doctest::Contains("[Cnn]"), Error);
  c.architecture = "qcnn";
  c.quantum = {4, 1};
  m = build_model(c);
  CHECK(m->forward(rand({1, 3, 36, 20})).shape() == Shape{1, 2});
}

TEST_CASE("JSON config round-trips and rejects mistakes") {
  ModelConfig c;
  c.architecture = "qefficientnet_b3";
  c.dense = {3, 256, 0.4};
  c.quantum = {6, 3};
  c.freezing = "backbone";
  c.input_height = 128;
  ModelConfig d = ModelConfig::from_json(c.to_json());
  CHECK(d.to_json() == c.to_json());
  CHECK(d.quantum.n_qubits == 6);
  CHECK(d.dense.units == 256);
  CHECK_THROWS_WITH_AS(ModelConfig::from_json(R"({"archtecture": "cnn"})"),
                       doctest::Contains("unknown key 'archtecture'"), Error);
  CHECK_THROWS_WITH_AS(ModelConfig::from_json(R"({"architecture": "resnet51"})"),
                       doctest::Contains("unknown model 'resnet51'"), Error);
  CHECK_THROWS_WITH_AS(ModelConfig::from_json(R"({"n_qubits": "four"})"),
                       doctest::Contains("n_qubits"), Error);
  CHECK_THROWS_AS(ModelConfig::from_json("{"), Error);
}

TEST_CASE("registry names") {
  auto names = registered_models();
  for (const char* n : {"cnn", "resnet50", "densenet121", "efficientnet_b3", "qcnn", "qresnet50",
                        "qdensenet121", "qefficientnet_b3", "efficientnet_b7", "resnet101"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), n) != names.end(), n);
  }
  CHECK(architecture_info("qresnet50").family == "resnet");
  CHECK(architecture_info("qresnet50").hybrid);
  CHECK(architecture_info("efficientnet_v2_m").torchvision_name == "efficientnet_v2_m");
}

TEST_CASE("freezing policies: the study's prefixes, BatchNorm kept in eval mode") {
  ModelConfig c;
  c.architecture = "resnet50";
  c.freezing = "study";
  auto m = build_model(c);
  for (auto& [name, p] : m->named_parameters()) {
    const bool frozen = name.rfind("conv1.", 0) == 0 || name.rfind("bn1.", 0) == 0 ||
                        name.rfind("layer1.", 0) == 0;
    CHECK_MESSAGE(p.requires_grad() == !frozen, name);
  }
  m->train();
  CHECK_FALSE(m->child("bn1")->is_training());
  CHECK_FALSE(m->child("layer1")->is_training());
  CHECK(m->child("layer2")->is_training());

  c.architecture = "efficientnet_b3";
  m = build_model(c);
  CHECK_FALSE(nn::own_tensor(*m->child("features")->child("4")->child("0")->child("block")
                                  ->child("0")->child("0"), "weight").requires_grad());
  CHECK(nn::own_tensor(*m->child("features")->child("5")->child("0")->child("block")
                            ->child("0")->child("0"), "weight").requires_grad());

  c.architecture = "qdensenet121";
  c.freezing = "backbone";
  m = build_model(c);
  for (auto& [name, p] : m->named_parameters()) {
    CHECK_MESSAGE(p.requires_grad() == (name.rfind("classifier.", 0) == 0), name);
  }
  c.freezing = "none";
  m = build_model(c);
  CHECK(m->parameter_count(true) == m->parameter_count());
  c.freezing = "some";
  CHECK_THROWS_WITH_AS(build_model(c), doctest::Contains("unknown policy"), Error);
}
