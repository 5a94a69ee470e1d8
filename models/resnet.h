// torchvision's ResNet family (resnet18/34/50/101/152, torchvision 0.14): conv1, bn1, relu,
// maxpool, layer1..layer4 of BasicBlock or Bottleneck (stride on the 3x3: "v1.5"),
// avgpool, fc. Parameter and buffer names equal torchvision's state_dict keys
// ("layer1.0.downsample.0.weight"). The head "fc" is torchvision's Linear(num_classes) by
// default; the study's dense stack or a hybrid head replaces it (Backbone::replace_head).
#pragma once
#include <array>
#include <memory>

#include "engine/nn/conv_layers.h"
#include "models/backbone.h"

namespace msq::models {

struct ResNetOptions {
  int depth = 50;            // 18, 34, 50, 101 or 152
  int64_t num_classes = 1000;
  HeadFactory make_head;  // instead of Linear(num_features, num_classes)
};

class ResNet : public Backbone {
 public:
  explicit ResNet(const ResNetOptions& options = {});
  Tensor forward_features(const Tensor& x) override;  // [B, 3, H, W] -> [B, 512 or 2048]
  std::string type_name() const override { return "ResNet"; }

 private:
  std::shared_ptr<nn::Module> conv1_, maxpool_;
  std::shared_ptr<nn::BatchNorm2d> bn1_;  // forward_act: BN + ReLU fused
  std::array<std::shared_ptr<nn::Module>, 4> layers_;
};

}  // namespace msq::models
