#include "models/densenet.h"

#include <string>

#include "engine/core/error.h"
#include "engine/nn/nn.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/random_ops.h"
#include "engine/ops/shape_ops.h"
#include "models/blocks.h"

namespace msq::models {
namespace {

struct DenseNetSpec {
  int64_t growth, stem;
  std::vector<int> blocks;
};

DenseNetSpec spec_for(int depth) {
  switch (depth) {
    case 121: return {32, 64, {6, 12, 24, 16}};
    case 161: return {48, 96, {6, 12, 36, 24}};
    case 169: return {32, 64, {6, 12, 32, 32}};
    case 201: return {32, 64, {6, 12, 48, 32}};
    default: fail("DenseNet", "depth must be 121, 161, 169 or 201, got ", depth);
  }
}

constexpr int64_t kBnSize = 4;

// BN-ReLU-Conv1x1-BN-ReLU-Conv3x3 on the concatenation of every earlier feature map.
class DenseLayer : public nn::Module {
 public:
  DenseLayer(int64_t in, int64_t growth, double drop_rate) : drop_rate_(drop_rate) {
    norm1_ = register_module("norm1", std::make_shared<nn::BatchNorm2d>(in));
    register_module("relu1", std::make_shared<nn::ReLU>());
    conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(in, kBnSize * growth, 1, 1, 0,
                                                                   1, 1, false));
    norm2_ = register_module("norm2", std::make_shared<nn::BatchNorm2d>(kBnSize * growth));
    register_module("relu2", std::make_shared<nn::ReLU>());
    conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(kBnSize * growth, growth, 3, 1,
                                                                   1, 1, 1, false));
  }
  // x: the concatenated features so far [B, in, H, W] -> new features [B, growth, H, W].
  Tensor forward(const Tensor& x) override {
    Tensor y = conv1_->forward(norm1_->forward_act(x, FusedAct::Relu));  // BN + ReLU fused
    y = conv2_->forward(norm2_->forward_act(y, FusedAct::Relu));
    return drop_rate_ > 0 ? dropout(y, drop_rate_, is_training()) : y;
  }
  std::string type_name() const override { return "DenseLayer"; }

 private:
  double drop_rate_;
  std::shared_ptr<nn::BatchNorm2d> norm1_, norm2_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
};

class DenseBlock : public nn::Module {
 public:
  DenseBlock(int n_layers, int64_t in, int64_t growth, double drop_rate) {
    for (int i = 0; i < n_layers; ++i) {
      layers_.push_back(register_module("denselayer" + std::to_string(i + 1),
                                        std::make_shared<DenseLayer>(in + i * growth, growth,
                                                                     drop_rate)));
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor all = x;
    for (auto& layer : layers_) all = cat({all, layer->forward(all)}, 1);
    return all;
  }
  std::string type_name() const override { return "DenseBlock"; }

 private:
  std::vector<std::shared_ptr<DenseLayer>> layers_;
};

// A Sequential with named children: runs them in registration order (norm + relu pairs
// fused, engine/nn/fusion.h).
class NamedSequential : public nn::Module {
 public:
  template <class M>
  void add(const std::string& name, std::shared_ptr<M> m) {
    register_module(name, std::static_pointer_cast<nn::Module>(m));
  }
  Tensor forward(const Tensor& x) override { return nn::forward_in_order(children(), x); }
  std::string type_name() const override { return "Sequential"; }
};

class Transition : public NamedSequential {
 public:
  Transition(int64_t in, int64_t out) {
    add("norm", std::make_shared<nn::BatchNorm2d>(in));
    add("relu", std::make_shared<nn::ReLU>());
    add("conv", std::make_shared<nn::Conv2d>(in, out, 1, 1, 0, 1, 1, false));
    add("pool", std::make_shared<nn::AvgPool2d>(2, 2));
  }
};

}  // namespace

DenseNet::DenseNet(const DenseNetOptions& o) {
  const DenseNetSpec spec = spec_for(o.depth);
  auto features = std::make_shared<NamedSequential>();
  features->add("conv0", std::make_shared<nn::Conv2d>(3, spec.stem, 7, 2, 3, 1, 1, false));
  features->add("norm0", std::make_shared<nn::BatchNorm2d>(spec.stem));
  features->add("relu0", std::make_shared<nn::ReLU>());
  features->add("pool0", std::make_shared<nn::MaxPool2d>(3, 2, 1));
  int64_t c = spec.stem;
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    const std::string id = std::to_string(i + 1);
    features->add("denseblock" + id,
                  std::make_shared<DenseBlock>(spec.blocks[i], c, spec.growth, o.drop_rate));
    c += spec.blocks[i] * spec.growth;
    if (i + 1 < spec.blocks.size()) {
      features->add("transition" + id, std::make_shared<Transition>(c, c / 2));
      c /= 2;
    }
  }
  features->add("norm5", std::make_shared<nn::BatchNorm2d>(c));
  features_ = features;
  register_module("features", features_);
  // torchvision: kaiming_normal_ (fan_in) convs, BatchNorm 1 / 0, Linear bias 0; a head
  // from make_head keeps its own (PyTorch's default) initialisation, as a replaced head does.
  const InitScheme scheme{false, false, true};
  init_torchvision(*this, scheme);
  std::shared_ptr<nn::Module> head = o.make_head ? o.make_head(c) : nullptr;
  if (!head) {
    head = std::make_shared<nn::Linear>(c, o.num_classes);
    init_torchvision(*head, scheme);
  }
  set_head("classifier", c, head);
}

Tensor DenseNet::forward_features(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 3, "DenseNet", "expects [B, 3, H, W], got ",
        shape_str(x.shape()));
  // features ends with norm5; its ReLU (torchvision's F.relu) fused with it.
  const auto& parts = features_->children();
  Tensor y = nn::forward_in_order({parts.begin(), parts.end() - 1}, x);
  auto* norm5 = dynamic_cast<nn::BatchNorm2d*>(parts.back().second.get());
  check(norm5 != nullptr, "DenseNet", "features must end with norm5");
  return mean(norm5->forward_act(y, FusedAct::Relu), {2, 3});
}

}  // namespace msq::models
