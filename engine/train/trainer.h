// The training loop of msq-train: Adam/AdamW/SGD on cross-entropy + lambda * sum of squared
// weights, early stopping on validation loss with the best state restored, an optional
// schedule, checkpoints written atomically after every epoch, and exact resumption.
//
// Files in `out`:
//   last.msqw      model state + optimiser state ("optimizer/..."), metadata = run state
//   best.msqw      the best model state so far, metadata = config + its validation metrics
//   log.csv, log.jsonl   one row per epoch
// A resumed run loads last.msqw (model, optimiser, generator offset, early-stopping
// counters, history) and continues to the same result as an uninterrupted run.
// With config.cuda_graph (CUDA only) each training step of a static batch shape is captured
// once into a CUDA graph and replayed (engine/train/graph_step.h).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/loader.h"
#include "engine/nn/module.h"
#include "engine/train/config.h"
#include "kernels/step_graph.h"

namespace msq::train {

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double val_loss = 0, val_accuracy = 0, val_auc = 0;
  double lr = 0, seconds = 0, images_per_second = 0;
  // CUDA: the most device memory held by tensors during one training step of the epoch
  // (allocator peak, reset at each step); 0 on the CPU. Flat over epochs when nothing leaks.
  double peak_step_memory_mib = 0;
  bool improved = false;
};

struct Predictions {
  double loss = 0;                              // mean cross-entropy
  std::vector<int64_t> labels, ids;
  std::vector<std::vector<double>> probabilities;  // softmax, one row per sample
};

// Runs the model (eval mode, no gradients) over every batch of the loader.
Predictions predict(nn::Module& model, data::BatchLoader& loader, Device device);

struct FitResult {
  std::vector<EpochRecord> history;
  int64_t best_epoch = 0;
  double best_val_loss = 0;
  bool stopped_early = false;
  bool stopped_by_caller = false;  // stop_after returned true (e.g. a search's pruner)
  bool interrupted = false;
};

class Trainer {
 public:
  // `model` must already be on the config's device. Trainable parameters are those that
  // require gradients (frozen ones are left out of the optimiser and the L2 term).
  Trainer(nn::Module& model, TrainConfig config);
  // Trains; with config.resume and a last.msqw in config.out, continues that run.
  // `on_epoch` is called after each epoch (after the checkpoint is written), then
  // `stop_after`: true ends training there (the best state is still restored).
  FitResult fit(data::BatchLoader& train, data::BatchLoader& val,
                const std::function<void(const EpochRecord&)>& on_epoch = nullptr,
                const std::function<bool(const EpochRecord&)>& stop_after = nullptr);

  // With config.cuda_graph: where the step graph comes from (default: the device's backend,
  // kernels/step_graph.h). Tests give the CPU an emulation (a replay that runs the step again).
  void set_step_graph_factory(std::function<std::unique_ptr<StepGraph>()> factory) {
    graph_factory_ = std::move(factory);
  }

 private:
  nn::Module& model_;
  TrainConfig config_;
  std::function<std::unique_ptr<StepGraph>()> graph_factory_;
};

}  // namespace msq::train
