// torchvision's EfficientNet family (torchvision 0.14): B0-B7 (MBConv stages scaled by
// width and depth multipliers) and V2-S/M/L (FusedMBConv then MBConv stages), from one
// stage table each, as torchvision's _efficientnet_conf. features.0 is the stem
// (Conv-BN-SiLU, stride 2), features.1..N the stages (each block: "block" Sequential and
// "stochastic_depth" with p = 0.2 * block index / block count), features.N+1 the 1x1 head
// conv; then global average pool and "classifier" = [Dropout(p), Linear]. BatchNorm:
// eps 1e-5, momentum 0.1 for B0-B4; eps 1e-3, momentum 0.01 for B5-B7; eps 1e-3 for V2.
// Names equal torchvision's state_dict keys ("features.1.0.block.0.0.weight").
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/backbone.h"
#include "models/blocks.h"

namespace msq::models {

// One row of the stage table (torchvision's MBConvConfig / FusedMBConvConfig, after the
// width and depth scaling).
struct MBConvStage {
  bool fused = false;
  double expand_ratio = 1;
  int64_t kernel = 3, stride = 1, in_channels = 0, out_channels = 0;
  int num_layers = 1;
};

struct EfficientNetSpec {
  std::vector<MBConvStage> stages;
  int64_t last_channel = 0;  // 0: 4 x the last stage's channels (B0-B7)
  double dropout = 0.2;
  NormOptions norm;
};

// "b0".."b7", "v2_s", "v2_m", "v2_l".
EfficientNetSpec efficientnet_spec(const std::string& variant);

struct EfficientNetOptions {
  std::string variant = "b3";
  int64_t num_classes = 1000;
  double stochastic_depth_prob = 0.2;
  double dropout = -1;  // < 0: the variant's own (0.3 for B3)
  HeadFactory make_head;  // instead of [Dropout, Linear(num_features, num_classes)]
};

class EfficientNet : public Backbone {
 public:
  explicit EfficientNet(const EfficientNetOptions& options = {});
  Tensor forward_features(const Tensor& x) override;  // [B, 3, H, W] -> [B, 1536 for B3]
  std::string type_name() const override { return "EfficientNet"; }

 private:
  std::shared_ptr<nn::Sequential> features_;
};

}  // namespace msq::models
