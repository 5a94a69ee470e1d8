#include "models/efficientnet.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/nn/nn.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace msq::models {
namespace {

// torchvision's _make_divisible(v, 8): the nearest multiple of 8, never below 90 % of v.
int64_t make_divisible(double v, int64_t divisor = 8) {
  int64_t out = std::max<int64_t>(divisor, int64_t(v + divisor / 2.0) / divisor * divisor);
  if (double(out) < 0.9 * v) out += divisor;
  return out;
}

// One MBConv or FusedMBConv block with torchvision's children: "block" (a Sequential) and
// "stochastic_depth"; the residual only when the stride is 1 and the width is kept.
class MBConv : public nn::Module {
 public:
  MBConv(const MBConvStage& c, double sd_prob, NormOptions norm) : sd_prob_(sd_prob) {
    residual_ = c.stride == 1 && c.in_channels == c.out_channels;
    const int64_t expanded = make_divisible(double(c.in_channels) * c.expand_ratio);
    block_ = std::make_shared<nn::Sequential>();
    if (c.fused) {
      if (expanded != c.in_channels) {
        block_->push_back(conv_norm_act(c.in_channels, expanded, c.kernel, c.stride, 1,
                                        Activation::SiLU, norm));
        block_->push_back(conv_norm_act(expanded, c.out_channels, 1, 1, 1, Activation::None, norm));
      } else {
        block_->push_back(conv_norm_act(c.in_channels, c.out_channels, c.kernel, c.stride, 1,
                                        Activation::SiLU, norm));
      }
    } else {
      if (expanded != c.in_channels) {
        block_->push_back(conv_norm_act(c.in_channels, expanded, 1, 1, 1, Activation::SiLU, norm));
      }
      block_->push_back(conv_norm_act(expanded, expanded, c.kernel, c.stride, expanded,
                                      Activation::SiLU, norm));
      block_->push_back(std::make_shared<SqueezeExcitation>(
          expanded, std::max<int64_t>(1, c.in_channels / 4)));
      block_->push_back(conv_norm_act(expanded, c.out_channels, 1, 1, 1, Activation::None, norm));
    }
    register_module("block", block_);
    register_module("stochastic_depth", std::make_shared<nn::StochasticDepth>(sd_prob));
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = block_->forward(x);
    if (!residual_) return y;
    return add(drop_path(y, sd_prob_, is_training()), x);
  }
  std::string type_name() const override { return "MBConv"; }

 private:
  bool residual_ = false;
  double sd_prob_;
  std::shared_ptr<nn::Sequential> block_;
};

std::vector<MBConvStage> b_table(double width, double depth) {
  // expand, kernel, stride, in, out, layers (EfficientNet-B0), then scaled.
  const double base[7][6] = {{1, 3, 1, 32, 16, 1},   {6, 3, 2, 16, 24, 2},  {6, 5, 2, 24, 40, 2},
                             {6, 3, 2, 40, 80, 3},   {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4},
                             {6, 3, 1, 192, 320, 1}};
  std::vector<MBConvStage> out;
  for (const auto& r : base) {
    MBConvStage s;
    s.expand_ratio = r[0];
    s.kernel = int64_t(r[1]);
    s.stride = int64_t(r[2]);
    s.in_channels = make_divisible(r[3] * width);
    s.out_channels = make_divisible(r[4] * width);
    s.num_layers = int(std::ceil(r[5] * depth));
    out.push_back(s);
  }
  return out;
}

std::vector<MBConvStage> v2_table(const std::vector<std::vector<double>>& rows) {
  // fused, expand, kernel, stride, in, out, layers (unscaled).
  std::vector<MBConvStage> out;
  for (const auto& r : rows) {
    out.push_back({r[0] != 0, r[1], int64_t(r[2]), int64_t(r[3]), int64_t(r[4]), int64_t(r[5]),
                   int(r[6])});
  }
  return out;
}

}  // namespace

EfficientNetSpec efficientnet_spec(const std::string& v) {
  struct BScale { const char* name; double width, depth, dropout; };
  static const BScale b[] = {{"b0", 1.0, 1.0, 0.2}, {"b1", 1.0, 1.1, 0.2}, {"b2", 1.1, 1.2, 0.3},
                             {"b3", 1.2, 1.4, 0.3}, {"b4", 1.4, 1.8, 0.4}, {"b5", 1.6, 2.2, 0.4},
                             {"b6", 1.8, 2.6, 0.5}, {"b7", 2.0, 3.1, 0.5}};
  for (int i = 0; i < 8; ++i) {
    if (v != b[i].name) continue;
    EfficientNetSpec s;
    s.stages = b_table(b[i].width, b[i].depth);
    s.dropout = b[i].dropout;
    if (i >= 5) s.norm = {1e-3, 0.01};
    return s;
  }
  EfficientNetSpec s;
  s.last_channel = 1280;
  s.norm = {1e-3, 0.1};
  if (v == "v2_s") {
    s.dropout = 0.2;
    s.stages = v2_table({{1, 1, 3, 1, 24, 24, 2}, {1, 4, 3, 2, 24, 48, 4}, {1, 4, 3, 2, 48, 64, 4},
                         {0, 4, 3, 2, 64, 128, 6}, {0, 6, 3, 1, 128, 160, 9},
                         {0, 6, 3, 2, 160, 256, 15}});
  } else if (v == "v2_m") {
    s.dropout = 0.3;
    s.stages = v2_table({{1, 1, 3, 1, 24, 24, 3}, {1, 4, 3, 2, 24, 48, 5}, {1, 4, 3, 2, 48, 80, 5},
                         {0, 4, 3, 2, 80, 160, 7}, {0, 6, 3, 1, 160, 176, 14},
                         {0, 6, 3, 2, 176, 304, 18}, {0, 6, 3, 1, 304, 512, 5}});
  } else if (v == "v2_l") {
    s.dropout = 0.4;
    s.stages = v2_table({{1, 1, 3, 1, 32, 32, 4}, {1, 4, 3, 2, 32, 64, 7}, {1, 4, 3, 2, 64, 96, 7},
                         {0, 4, 3, 2, 96, 192, 10}, {0, 6, 3, 1, 192, 224, 19},
                         {0, 6, 3, 2, 224, 384, 25}, {0, 6, 3, 1, 384, 640, 7}});
  } else {
    fail("EfficientNet", "unknown variant '", v, "' (b0..b7, v2_s, v2_m, v2_l)");
  }
  return s;
}

EfficientNet::EfficientNet(const EfficientNetOptions& o) {
  const EfficientNetSpec spec = efficientnet_spec(o.variant);
  check(o.stochastic_depth_prob >= 0 && o.stochastic_depth_prob < 1, "EfficientNet",
        "stochastic_depth_prob must be in [0, 1), got ", o.stochastic_depth_prob);
  features_ = std::make_shared<nn::Sequential>();
  features_->push_back(conv_norm_act(3, spec.stages.front().in_channels, 3, 2, 1,
                                     Activation::SiLU, spec.norm));
  int total = 0;
  for (const auto& s : spec.stages) total += s.num_layers;
  int id = 0;
  for (const auto& s : spec.stages) {
    auto stage = std::make_shared<nn::Sequential>();
    for (int i = 0; i < s.num_layers; ++i, ++id) {
      MBConvStage c = s;
      if (i > 0) {
        c.in_channels = c.out_channels;
        c.stride = 1;
      }
      stage->push_back(std::make_shared<MBConv>(c, o.stochastic_depth_prob * id / total, spec.norm));
    }
    features_->push_back(stage);
  }
  const int64_t last_in = spec.stages.back().out_channels;
  const int64_t last = spec.last_channel > 0 ? spec.last_channel : 4 * last_in;
  features_->push_back(conv_norm_act(last_in, last, 1, 1, 1, Activation::SiLU, spec.norm));
  register_module("features", features_);
  register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  const double p = o.dropout >= 0 ? o.dropout : spec.dropout;
  // torchvision: kaiming_normal_ (fan_out) convs with zero bias, BatchNorm 1 / 0, Linear
  // U(+-1/sqrt(out)) with zero bias; a head from make_head keeps its own initialisation.
  const InitScheme scheme{true, true, false};
  init_torchvision(*this, scheme);
  std::shared_ptr<nn::Module> head = o.make_head ? o.make_head(last) : nullptr;
  if (!head) {
    head = std::make_shared<nn::Sequential>(nn::Sequential{
        std::make_shared<nn::Dropout>(p), std::make_shared<nn::Linear>(last, o.num_classes)});
    init_torchvision(*head, scheme);
  }
  set_head("classifier", last, head);
}

Tensor EfficientNet::forward_features(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 3, "EfficientNet", "expects [B, 3, H, W], got ",
        shape_str(x.shape()));
  return mean(features_->forward(x), {2, 3});
}

}  // namespace msq::models
