// Device-side random counter bases (engine/core/device_random.h), on the CPU: inside a scope
// the draws equal the plain ones; dropout / drop-path masks differ from step to step and match
// Philox(seed, base + place + i); a kernel given a fixed relative offset (what a captured graph
// bakes) draws from whatever base it reads when it runs.
#include <vector>

#include "engine/core/device_random.h"
#include "engine/ops/random_ops.h"
#include "engine/ops/regularization.h"
#include "kernels/backend.h"
#include "kernels/common/philox.h"
#include "test_support.h"

using namespace msq;

namespace {

// The keep mask of dropout(p = 0.5) over n elements whose counters start at `first`: element i
// is kept when its float32 uniform is below 0.5 (kept elements of ones become 2).
std::vector<float> reference_dropout(uint64_t seed, uint64_t first, int64_t n) {
  std::vector<float> out;
  for (int64_t i = 0; i < n; ++i) {
    float u = static_cast<float>(philox::uniform(seed, first + static_cast<uint64_t>(i)));
    if (u >= 1.0f) u = 0.0f;
    out.push_back(u < 0.5f ? 2.0f : 0.0f);
  }
  return out;
}

}  // namespace

TEST_CASE("device random base: draws in a scope equal the plain draws, steps differ") {
  const int64_t n = 257;
  Tensor x = ones({n});
  manual_seed(11);
  std::vector<float> plain1 = dropout(x, 0.5, true).to_vector<float>();
  std::vector<float> plain2 = dropout(x, 0.5, true).to_vector<float>();

  manual_seed(11);
  DeviceRandomBase base(Device::cpu());
  std::vector<std::vector<float>> scoped;
  for (int step = 0; step < 2; ++step) {
    const uint64_t origin = default_generator().offset();
    base.write(origin);  // what the trainer writes before each graph step
    DeviceRandomScope scope(base);
    CHECK(scope.origin() == origin);
    scoped.push_back(dropout(x, 0.5, true).to_vector<float>());
  }
  CHECK(scoped[0] == plain1);
  CHECK(scoped[1] == plain2);
  CHECK(scoped[0] != scoped[1]);  // fresh masks each step
  CHECK(scoped[0] == reference_dropout(11, 0, n));
  CHECK(scoped[1] == reference_dropout(11, static_cast<uint64_t>(n), n));
  CHECK(active_device_random() == nullptr);  // the scopes ended
}

TEST_CASE("device random base: a fixed relative offset draws from the base read at run time") {
  // A captured graph keeps the kernel's arguments (seed, the draw's place within the step);
  // rewriting the base before each replay moves the whole step's draws.
  const uint64_t seed = 7, place = 40;
  const int64_t n = 64;
  DeviceRandomBase base(Device::cpu());
  Tensor out = Tensor::empty({n}, TensorOptions(DType::Float64));
  for (uint64_t written : {uint64_t{0}, uint64_t{1000}, uint64_t{123456789}}) {
    base.write(written);
    backend(Device::cpu()).random_uniform(out.view_for_kernel(), seed, place,
                                          base.tensor().view_for_kernel(), 0.0, 1.0);
    std::vector<double> got = out.to_vector<double>();
    for (int64_t i = 0; i < n; ++i) {
      CHECK(got[i] == philox::uniform(seed, written + place + static_cast<uint64_t>(i)));
    }
  }
}

TEST_CASE("device random base: drop path draws one mask per sample, fresh each step") {
  manual_seed(3);
  DeviceRandomBase base(Device::cpu());
  Tensor x = ones({64, 2, 2, 2});
  std::vector<std::vector<float>> masks;
  for (int step = 0; step < 3; ++step) {
    base.write(default_generator().offset());
    DeviceRandomScope scope(base);
    // drop_path draws in x's dtype (float32): sample b is kept when its uniform < 0.5.
    const uint64_t first = default_generator().offset();
    Tensor y = drop_path(x, 0.5, true);
    std::vector<float> v = y.to_vector<float>();
    std::vector<float> per_sample;
    for (int64_t b = 0; b < 64; ++b) {
      per_sample.push_back(v[static_cast<size_t>(b * 8)]);
      for (int64_t k = 1; k < 8; ++k) CHECK(v[static_cast<size_t>(b * 8 + k)] == per_sample.back());
    }
    CHECK(per_sample == reference_dropout(3, first, 64));
    masks.push_back(per_sample);
  }
  CHECK(masks[0] != masks[1]);
  CHECK(masks[1] != masks[2]);
}
