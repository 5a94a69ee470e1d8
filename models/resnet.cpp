#include "models/resnet.h"

#include <string>

#include "engine/core/error.h"
#include "engine/nn/nn.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "models/blocks.h"

namespace msq::models {
namespace {

std::shared_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return std::make_shared<nn::Conv2d>(in, out, k, stride, (k - 1) / 2, 1, 1, false);
}

// BasicBlock (expansion 1): 3x3 -> 3x3; Bottleneck (expansion 4): 1x1 -> 3x3 (stride) -> 1x1.
class ResBlock : public nn::Module {
 public:
  ResBlock(bool bottleneck, int64_t in, int64_t planes, int64_t stride) {
    const int64_t out = bottleneck ? planes * 4 : planes;
    // torchvision's order: conv1, bn1, conv2, bn2 (, conv3, bn3), downsample.
    const int n = bottleneck ? 3 : 2;
    for (int i = 0; i < n; ++i) {
      int64_t cin = i == 0 ? in : planes, cout = i + 1 == n ? out : planes;
      int64_t k = bottleneck && i != 1 ? 1 : 3;
      int64_t st = (bottleneck ? i == 1 : i == 0) ? stride : 1;
      const std::string id = std::to_string(i + 1);
      convs_.push_back(register_module("conv" + id, conv(cin, cout, k, st)));
      bns_.push_back(register_module("bn" + id, std::make_shared<nn::BatchNorm2d>(cout)));
    }
    if (stride != 1 || in != out) {
      downsample_ = register_module("downsample", std::make_shared<nn::Sequential>(nn::Sequential{
          conv(in, out, 1, stride), std::make_shared<nn::BatchNorm2d>(out)}));
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (size_t i = 0; i < convs_.size(); ++i) {
      // BN + ReLU fused (engine/nn/fusion.h), the last BN without (ReLU fused with the sum).
      y = bns_[i]->forward_act(convs_[i]->forward(y), i + 1 < convs_.size() ? FusedAct::Relu : FusedAct::None);
    }
    return nn::add_activation(y, downsample_ ? downsample_->forward(x) : x, FusedAct::Relu);
  }
  std::string type_name() const override { return "ResBlock"; }

 private:
  std::vector<std::shared_ptr<nn::Conv2d>> convs_;
  std::vector<std::shared_ptr<nn::BatchNorm2d>> bns_;
  std::shared_ptr<nn::Sequential> downsample_;
};

std::array<int, 4> blocks_per_stage(int depth) {
  switch (depth) {
    case 18: return {2, 2, 2, 2};
    case 34: return {3, 4, 6, 3};
    case 50: return {3, 4, 6, 3};
    case 101: return {3, 4, 23, 3};
    case 152: return {3, 8, 36, 3};
    default: fail("ResNet", "depth must be 18, 34, 50, 101 or 152, got ", depth);
  }
}

}  // namespace

ResNet::ResNet(const ResNetOptions& o) {
  const auto counts = blocks_per_stage(o.depth);
  const bool bottleneck = o.depth >= 50;
  const int64_t expansion = bottleneck ? 4 : 1;
  conv1_ = register_module("conv1", conv(3, 64, 7, 2));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
  register_module("relu", std::make_shared<nn::ReLU>());
  maxpool_ = register_module("maxpool", std::make_shared<nn::MaxPool2d>(3, 2, 1));
  int64_t in = 64;
  for (int s = 0; s < 4; ++s) {
    const int64_t planes = int64_t(64) << s;
    auto stage = std::make_shared<nn::Sequential>();
    for (int b = 0; b < counts[s]; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      stage->push_back(std::make_shared<ResBlock>(bottleneck, in, planes, stride));
      in = planes * expansion;
    }
    layers_[s] = register_module("layer" + std::to_string(s + 1), stage);
  }
  register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  init_torchvision(*this, InitScheme{});  // convs and BatchNorms; fc keeps Linear's default
  set_head("fc", in,
           o.make_head ? o.make_head(in) : std::make_shared<nn::Linear>(in, o.num_classes));
}

Tensor ResNet::forward_features(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 3, "ResNet", "expects [B, 3, H, W], got ",
        shape_str(x.shape()));
  Tensor y = maxpool_->forward(bn1_->forward_act(conv1_->forward(x), FusedAct::Relu));
  for (auto& layer : layers_) y = layer->forward(y);
  return mean(y, {2, 3});
}

}  // namespace msq::models
