// The toy image task shared by the trainer tests (tests/train, tests/cuda): noisy 3x16x16
// images with a bright square on the left (label 0) or right (label 1), and loader options
// for them.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/loader.h"
#include "engine/msq.h"

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

}  // namespace msq::testing
