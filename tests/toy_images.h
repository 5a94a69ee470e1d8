// The toy image task shared by the trainer tests (tests/train, tests/cuda): noisy 3x16x16
// images with a bright square on the left (label 0) or right (label 1), and loader options
// for them, and the two small models the trainer tests fit to it.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/loader.h"
#include "engine/msq.h"
#include "engine/nn/nn.h"

namespace msq::testing {

inline std::vector<data::LoaderItem> toy_items(int64_t n, uint64_t seed) {
  manual_seed(seed);
  std::vector<data::LoaderItem> items;
  for (int64_t i = 0; i < n; ++i) {
    int64_t label = i % 2;
    Tensor img = mul(rand({3, 16, 16}), 0.3);
    Tensor patch = img.narrow(2, label ? 10 : 2, 4).narrow(1, 6, 4);
    patch.copy_(add(patch, 0.6));
    items.push_back({"", label, i, img});
  }
  return items;
}

inline data::LoaderOptions toy_loader_options(bool shuffle) {
  data::LoaderOptions o;
  o.batch_size = 8;
  o.shuffle = shuffle;
  o.seed = 3;
  o.threads = 0;
  o.image_size = 16;
  return o;
}

// Flatten, Linear 768 -> 16, ReLU, Dropout(dropout), Linear 16 -> 2.
inline std::shared_ptr<nn::Module> toy_mlp(double dropout) {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(3 * 16 * 16, 16));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Dropout>(dropout));
  m->push_back(std::make_shared<nn::Linear>(16, 2));
  return m;
}

// Conv 3 -> 8 (3x3), BatchNorm, ReLU, MaxPool 2, AdaptiveAvgPool 2, Flatten, Dropout(dropout),
// Linear 32 -> 2: every kind of layer state (BN buffers) a training step touches.
inline std::shared_ptr<nn::Module> toy_conv_net(double dropout) {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Conv2d>(3, 8, 3, 1, 1, 1, 1, false));
  m->push_back(std::make_shared<nn::BatchNorm2d>(8));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::MaxPool2d>(2));
  m->push_back(std::make_shared<nn::AdaptiveAvgPool2d>(2));
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Dropout>(dropout));
  m->push_back(std::make_shared<nn::Linear>(8 * 2 * 2, 2));
  return m;
}

}  // namespace msq::testing
