#include "models/blocks.h"

#include <cmath>

#include "engine/autograd/grad_mode.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/random_ops.h"
#include "engine/ops/reduce.h"

namespace msq::models {

std::shared_ptr<nn::Sequential> conv_norm_act(int64_t in, int64_t out, int64_t kernel,
                                              int64_t stride, int64_t groups, Activation act,
                                              NormOptions norm) {
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Conv2d>(in, out, kernel, stride, (kernel - 1) / 2, 1,
                                              groups, false));
  seq->push_back(std::make_shared<nn::BatchNorm2d>(out, norm.eps, norm.momentum));
  if (act == Activation::ReLU) seq->push_back(std::make_shared<nn::ReLU>());
  if (act == Activation::SiLU) seq->push_back(std::make_shared<nn::SiLU>());
  return seq;
}

SqueezeExcitation::SqueezeExcitation(int64_t channels, int64_t squeeze_channels) {
  fc1_ = register_module("fc1", std::make_shared<nn::Conv2d>(channels, squeeze_channels, 1));
  fc2_ = register_module("fc2", std::make_shared<nn::Conv2d>(squeeze_channels, channels, 1));
}

Tensor SqueezeExcitation::forward(const Tensor& x) {
  check(x.dim() == 4, "SqueezeExcitation", "expects [B, C, H, W], got ", x.dim(), " dims");
  Tensor s = mean(x, {2, 3}, true);
  s = sigmoid(fc2_->forward(silu(fc1_->forward(s))));
  return mul(x, s);
}

void init_torchvision(nn::Module& root, const InitScheme& scheme) {
  NoGradGuard no_grad;
  root.visit([&](const std::string&, nn::Module& m) {
    if (dynamic_cast<nn::Conv2d*>(&m) != nullptr) {
      Tensor w = nn::own_tensor(m, "weight");
      w.copy_(nn::init::kaiming_normal(w.shape(), scheme.conv_fan_out));
      Tensor b = nn::own_tensor(m, "bias");
      if (b.defined()) b.zero_();
    } else if (dynamic_cast<nn::BatchNorm2d*>(&m) != nullptr) {
      nn::own_tensor(m, "weight").fill_(1.0);
      nn::own_tensor(m, "bias").zero_();
    } else if (auto* lin = dynamic_cast<nn::Linear*>(&m)) {
      Tensor w = nn::own_tensor(m, "weight");
      Tensor b = nn::own_tensor(m, "bias");
      if (scheme.linear_uniform_out) {
        const double r = 1.0 / std::sqrt(double(lin->out_features));
        w.copy_(uniform(w.shape(), -r, r));
      }
      if ((scheme.linear_uniform_out || scheme.linear_bias_zero) && b.defined()) b.zero_();
    }
  });
}

}  // namespace msq::models
