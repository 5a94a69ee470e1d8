// torchvision's DenseNet family (densenet121/161/169/201, torchvision 0.14): features =
// conv0, norm0, relu0, pool0, then denseblock1..4 (denselayerN: norm1, relu1, conv1 (1x1,
// bn_size * growth), norm2, relu2, conv2 (3x3, growth)) with transition1..3 (norm, relu,
// conv 1x1 halving the channels, pool 2/2) between them, norm5; then ReLU, global average
// pool and the head "classifier". Names equal torchvision's state_dict keys
// ("features.denseblock1.denselayer1.norm1.weight"); checkpoints with the legacy
// "norm.1" names are renamed by tools/convert_torchvision.py.
#pragma once
#include <memory>
#include <vector>

#include "models/backbone.h"

namespace msq::models {

struct DenseNetOptions {
  int depth = 121;  // 121, 161, 169 or 201 (growth, blocks and stem width from torchvision)
  int64_t num_classes = 1000;
  double drop_rate = 0.0;  // dropout after each dense layer (torchvision's default 0)
  HeadFactory make_head;  // instead of Linear(num_features, num_classes)
};

class DenseNet : public Backbone {
 public:
  explicit DenseNet(const DenseNetOptions& options = {});
  Tensor forward_features(const Tensor& x) override;  // [B, 3, H, W] -> [B, 1024 for 121]
  std::string type_name() const override { return "DenseNet"; }

 private:
  std::shared_ptr<nn::Module> features_;  // children named as torchvision's
};

}  // namespace msq::models
