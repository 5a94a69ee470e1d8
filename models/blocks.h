// Small building blocks shared by the backbones, named as torchvision names them:
// conv_norm_act (torchvision.ops.Conv2dNormActivation: children "0" conv, "1" BatchNorm,
// "2" activation), SqueezeExcitation (torchvision.ops.SqueezeExcitation: "fc1", "fc2"), and
// torchvision's weight initialisations.
#pragma once
#include <memory>

#include "engine/nn/nn.h"

namespace msq::models {

enum class Activation { None, ReLU, SiLU };

struct NormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
};

// Conv (padding (k - 1) / 2, no bias) -> BatchNorm -> activation, as one Sequential.
std::shared_ptr<nn::Sequential> conv_norm_act(int64_t in, int64_t out, int64_t kernel,
                                              int64_t stride, int64_t groups,
                                              Activation act, NormOptions norm = {});

// x * sigmoid(fc2(silu(fc1(mean over H, W of x)))); fc1, fc2 are 1x1 convs with bias.
class SqueezeExcitation : public nn::Module {
 public:
  SqueezeExcitation(int64_t channels, int64_t squeeze_channels);
  Tensor forward(const Tensor& x) override;  // [B, C, H, W] -> same
  std::string type_name() const override { return "SqueezeExcitation"; }

 private:
  std::shared_ptr<nn::Conv2d> fc1_, fc2_;
};

// torchvision's initialisations, applied to every Conv2d, BatchNorm2d and Linear under m.
struct InitScheme {
  bool conv_fan_out = true;           // kaiming_normal_ mode (ResNet, EfficientNet: fan_out)
  bool linear_uniform_out = false;    // EfficientNet: U(+-1/sqrt(out)), bias 0
  bool linear_bias_zero = false;      // DenseNet: default weight, bias 0
};
void init_torchvision(nn::Module& m, const InitScheme& scheme);

}  // namespace msq::models
