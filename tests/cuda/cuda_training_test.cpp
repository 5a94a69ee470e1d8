// Training on CUDA end to end through the Trainer (what msq-train --device cuda runs): a small
// conv net (conv, batch norm, ReLU, max pool, adaptive pool, dropout, linear) learns a toy
// problem; its checkpoint loads on the CPU and predicts the same; the run resumes on the
// CPU from the GPU's last checkpoint (optimiser state crosses devices); the log records the
// peak device memory per step, flat over epochs. Skips without a GPU.

#include <cmath>

#include "engine/data/loader.h"
#include "engine/io/atomic_file.h"
#include "engine/io/weights_file.h"
#include "engine/nn/nn.h"
#include "engine/train/trainer.h"
#include "test_support.h"
#include "toy_images.h"

using namespace msq;
using msq::testing::toy_items;
using msq::testing::toy_conv_net;

namespace {

train::TrainConfig config(const std::string& out, int64_t epochs, const std::string& device) {
  train::TrainConfig c;
  c.out = out;
  c.epochs = epochs;
  c.lr = 1e-2;
  c.patience = 50;
  c.image_size = 16;
  c.device = device;
  return c;
}

}  // namespace

TEST_CASE("cuda training: learns, checkpoints load on the CPU, a run resumes across devices") {
  if (!test::require_cuda()) return;
  std::string out = test::fresh_dir("cuda-training-test", "gpu");
  data::BatchLoader train_loader(toy_items(64, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader val_loader(toy_items(32, 2), msq::testing::toy_loader_options(false));

  manual_seed(1);
  auto gpu_model = toy_conv_net(0.1);
  gpu_model->to(Device::cuda());
  train::FitResult r = train::Trainer(*gpu_model, config(out, 6, "cuda")).fit(train_loader, val_loader);
  REQUIRE(r.history.size() == 6);
  CHECK(r.history.back().train_loss < r.history.front().train_loss);
  // The peak device memory per step is recorded and does not grow over the epochs.
  CHECK(r.history.front().peak_step_memory_mib > 0);
  CHECK(r.history.back().peak_step_memory_mib <= r.history[1].peak_step_memory_mib * 1.01 + 0.01);
  CHECK(read_file(out + "/log.jsonl").find("peak_step_memory_mib") != std::string::npos);

  // best.msqw (written from the GPU run) on a CPU model predicts what the GPU model predicts.
  auto cpu_model = toy_conv_net(0.1);
  cpu_model->load_state_dict(load_weights(out + "/best.msqw").tensors);
  train::Predictions on_gpu = train::predict(*gpu_model, val_loader, Device::cuda());
  train::Predictions on_cpu = train::predict(*cpu_model, val_loader, Device::cpu());
  CHECK(on_cpu.loss == doctest::Approx(on_gpu.loss).epsilon(1e-4));
  CHECK(on_cpu.loss == doctest::Approx(r.best_val_loss).epsilon(1e-4));

  // Resume the GPU run on the CPU for two more epochs (model and Adam state cross over),
  // then load that CPU checkpoint back onto the GPU.
  manual_seed(1);
  auto resumed = toy_conv_net(0.1);
  train::TrainConfig c = config(out, 8, "cpu");
  c.resume = true;
  train::FitResult rr = train::Trainer(*resumed, c).fit(train_loader, val_loader);
  CHECK(rr.history.size() == 8);
  auto back_on_gpu = toy_conv_net(0.1);
  back_on_gpu->to(Device::cuda());
  NamedTensorList model_part;
  for (const auto& [name, t] : load_weights(out + "/last.msqw").tensors) {
    if (name.rfind("optimizer/", 0) != 0) model_part.emplace_back(name, t);
  }
  back_on_gpu->load_state_dict(model_part);
  CHECK(back_on_gpu->device().is_cuda());
  train::Predictions again = train::predict(*back_on_gpu, val_loader, Device::cuda());
  CHECK(std::isfinite(again.loss));
}

TEST_CASE("cuda training: pinned host tensors copy to the GPU and back") {
  if (!test::require_cuda()) return;
  Tensor pinned = Tensor::empty_pinned({4, 5});
  manual_seed(3);
  pinned.copy_(randn({4, 5}));
  CHECK(pinned_host_allocator().stats().allocated > 0);  // really page-locked memory
  Tensor on_gpu = pinned.to(Device::cuda());
  test::check_close(on_gpu.cpu(), pinned, 0, 0, "pinned round trip");
}
