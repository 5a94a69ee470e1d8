#include "engine/train/trainer.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/autograd/grad_mode.h"
#include "engine/core/precision.h"
#include "engine/core/rng.h"
#include "engine/data/prefetcher.h"
#include "engine/io/atomic_file.h"
#include "engine/io/weights_file.h"
#include "engine/metrics/roc.h"
#include "engine/nn/lr_scheduler.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/loss.h"
#include "engine/ops/reduce.h"
#include "engine/optim/optimizer.h"
#include "engine/train/graph_step.h"
#include "engine/train/interrupt.h"
#include "engine/train/progress.h"
#include "kernels/backend.h"

namespace msq::train {

namespace {

using nlohmann::json;

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

void make_dirs(const std::string& path) {
  std::string at;
  std::stringstream parts(path);
  std::string part;
  if (!path.empty() && path[0] == '/') at = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    at += part + "/";
    ::mkdir(at.c_str(), 0755);
  }
  struct stat st {};
  check(::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "msq-train",
        "cannot create the output folder '", path, "'");
}

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c, std::vector<Tensor> params) {
  check(!params.empty(), "msq-train", "the model has no trainable parameters");
  if (c.optimizer == "sgd") {
    return std::make_unique<SGD>(std::move(params), SGDOptions{c.lr, c.momentum, 0.0, c.weight_decay, false});
  }
  AdamOptions o;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  if (c.optimizer == "adamw") return std::make_unique<AdamW>(std::move(params), o);
  return std::make_unique<Adam>(std::move(params), o);
}

// The learning-rate schedule, replayable from the history when a run resumes.
class Schedule {
 public:
  Schedule(const TrainConfig& c, Optimizer& opt) : kind_(c.schedule) {
    if (kind_ == "step") step_ = std::make_unique<nn::StepLR>(opt, std::max<int64_t>(c.epochs / 3, 1), 0.1);
    if (kind_ == "cosine") cosine_ = std::make_unique<nn::CosineAnnealingLR>(opt, c.epochs);
    if (kind_ == "plateau") {
      nn::PlateauOptions p;
      p.patience = std::max<int64_t>(c.patience / 2, 1);
      plateau_ = std::make_unique<nn::ReduceLROnPlateau>(opt, p);
    }
  }
  void after_epoch(double val_loss) {
    if (step_) step_->step();
    if (cosine_) cosine_->step();
    if (plateau_) plateau_->step(val_loss);
  }

 private:
  std::string kind_;
  std::unique_ptr<nn::StepLR> step_;
  std::unique_ptr<nn::CosineAnnealingLR> cosine_;
  std::unique_ptr<nn::ReduceLROnPlateau> plateau_;
};

json record_json(const EpochRecord& r) {
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  return {{"epoch", r.epoch}, {"train_loss", num(r.train_loss)}, {"train_accuracy", num(r.train_accuracy)},
          {"val_loss", num(r.val_loss)}, {"val_accuracy", num(r.val_accuracy)}, {"val_auc", num(r.val_auc)},
          {"lr", r.lr}, {"seconds", r.seconds}, {"images_per_second", r.images_per_second},
          {"improved", r.improved}, {"peak_step_memory_mib", r.peak_step_memory_mib}};
}

EpochRecord record_from_json(const json& j) {
  auto num = [&](const char* k) { return j.at(k).is_null() ? std::nan("") : j.at(k).get<double>(); };
  EpochRecord r;
  r.epoch = j.at("epoch").get<int64_t>();
  r.train_loss = num("train_loss");
  r.train_accuracy = num("train_accuracy");
  r.val_loss = num("val_loss");
  r.val_accuracy = num("val_accuracy");
  r.val_auc = num("val_auc");
  r.lr = j.at("lr").get<double>();
  r.seconds = j.at("seconds").get<double>();
  r.images_per_second = j.at("images_per_second").get<double>();
  r.improved = j.at("improved").get<bool>();
  r.peak_step_memory_mib = j.value("peak_step_memory_mib", 0.0);  // absent in older checkpoints
  return r;
}

void write_logs(const std::string& out, const std::vector<EpochRecord>& history) {
  std::string csv = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_auc,lr,seconds,images_per_second,improved\n";
  std::string jsonl;
  for (const EpochRecord& r : history) {
    char line[512];
    std::snprintf(line, sizeof line, "%lld,%.6f,%.6f,%.6f,%.6f,%.6f,%.6g,%.2f,%.1f,%d\n", (long long)r.epoch,
                  r.train_loss, r.train_accuracy, r.val_loss, r.val_accuracy, r.val_auc, r.lr, r.seconds,
                  r.images_per_second, r.improved ? 1 : 0);
    csv += line;
    jsonl += record_json(r).dump() + "\n";
  }
  write_file_atomic(out + "/log.csv", csv);
  write_file_atomic(out + "/log.jsonl", jsonl);
}

NamedTensorList cpu_state(const nn::Module& model) {
  NamedTensorList s;
  for (const auto& [name, t] : model.state_dict()) s.emplace_back(name, t.detach().cpu().clone());
  return s;
}

}  // namespace

Predictions predict(nn::Module& model, data::BatchLoader& loader, Device device) {
  NoGradGuard no_grad;
  model.eval();
  Predictions p;
  double total = 0;
  loader.start_epoch(0);
  data::DevicePrefetcher feed(loader, device);  // the next batch copies while this one runs
  data::Batch b;
  while (feed.next(b)) {
    Tensor logits = model(b.images);
    Tensor labels = b.labels;
    CrossEntropyOptions o;
    o.reduction = Reduction::Sum;
    total += cross_entropy(logits, labels, o).item();
    Tensor probs = softmax(logits, 1).cpu().to(DType::Float64);
    std::vector<double> v = probs.to_vector<double>();
    int64_t k = logits.size(1);
    std::vector<int64_t> y = b.labels.cpu().to_vector<int64_t>();
    for (size_t i = 0; i < y.size(); ++i) {
      p.labels.push_back(y[i]);
      p.ids.push_back(b.indices[i]);
      p.probabilities.emplace_back(v.begin() + i * k, v.begin() + (i + 1) * k);
    }
  }
  p.loss = p.labels.empty() ? std::nan("") : total / static_cast<double>(p.labels.size());
  return p;
}

Trainer::Trainer(nn::Module& model, TrainConfig config) : model_(model), config_(std::move(config)) {
  config_.validate();
  // The CUDA settings: the config can only tighten what the environment already chose
  // (MSQ_CUDA_TF32=0, MSQ_CUDA_DETERMINISTIC=1).
  set_cuda_conv_tf32(cuda_conv_tf32() && config_.cuda_tf32);
  set_cuda_deterministic(cuda_deterministic() || config_.deterministic);
  // bf16 (engine/core/precision.h): the config or MSQ_CUDA_BF16=1 turns it on.
  set_cuda_bf16(cuda_bf16() || config_.precision == "bf16");
}

FitResult Trainer::fit(data::BatchLoader& train, data::BatchLoader& val,
                       const std::function<void(const EpochRecord&)>& on_epoch,
                       const std::function<bool(const EpochRecord&)>& stop_after) {
  Device device = Device::parse(config_.device);
  std::unique_ptr<StepGraph> graph;
  if (config_.cuda_graph) {
    graph = graph_factory_ ? graph_factory_() : backend(device).new_step_graph();
    check(graph != nullptr, "msq-train", "cuda_graph (--cuda-graph) needs a CUDA device; device '",
          config_.device, "' has no graphs: drop the option to train eagerly");
  }
  make_dirs(config_.out);
  std::vector<Tensor> params = model_.trainable_parameters();
  std::unique_ptr<Optimizer> optimizer = make_optimizer(config_, params);
  Schedule schedule(config_, *optimizer);
  FitResult result;
  result.best_val_loss = std::numeric_limits<double>::infinity();
  int64_t bad_epochs = 0, start_epoch = 1;
  NamedTensorList best_state;
  std::string last_path = config_.out + "/last.msqw", best_path = config_.out + "/best.msqw";

  if (config_.resume && file_exists(last_path)) {
    WeightsFile last = load_weights(last_path);
    json meta = json::parse(last.metadata_json);
    NamedTensorList model_part;
    std::map<std::string, Tensor> opt_part;
    for (const auto& [name, t] : last.tensors) {
      if (name.rfind("optimizer/", 0) == 0) opt_part[name.substr(10)] = t;
      else model_part.emplace_back(name, t);
    }
    model_.load_state_dict(model_part, /*strict=*/true);
    optimizer->load_state(opt_part);
    start_epoch = meta.at("epoch").get<int64_t>() + 1;
    bad_epochs = meta.at("bad_epochs").get<int64_t>();
    result.best_epoch = meta.at("best_epoch").get<int64_t>();
    result.best_val_loss = meta.at("best_val_loss").get<double>();
    default_generator().set_offset(meta.at("rng_offset").get<uint64_t>());
    for (const json& r : meta.at("history")) {
      result.history.push_back(record_from_json(r));
      schedule.after_epoch(result.history.back().val_loss);
    }
    if (file_exists(best_path)) best_state = load_weights(best_path).tensors;
    std::fprintf(stderr, "[msq-train] resuming %s after epoch %lld\n", last_path.c_str(), (long long)(start_epoch - 1));
    if (bad_epochs >= config_.patience) result.stopped_early = true;
  }

  // One training step (graph_step.h): with cuda_graph, captured once per batch shape and
  // replayed; the partial last batch, and every step after a failed capture, eagerly.
  auto train_step = [&](const Tensor& x, const Tensor& y) {
    optimizer->zero_grad();
    Tensor logits = model_(x);
    Tensor loss = cross_entropy(logits, y);
    if (config_.l2 > 0) loss = add(loss, l2_penalty(params, config_.l2));
    loss.backward();
    optimizer->step();
    return StepOutputs{loss.detach(), sum(eq(argmax(logits.detach(), 1), y))};
  };
  GraphStep step(train_step, *optimizer, std::move(graph));

  for (int64_t epoch = start_epoch; epoch <= config_.epochs && !result.stopped_early; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    model_.train();
    train.start_epoch(epoch);
    int64_t batches = train.num_batches();
    if (config_.max_batches > 0) batches = std::min(batches, config_.max_batches);
    ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(config_.epochs), batches);
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    data::Batch b;
    Allocator* device_memory = device.is_cuda() ? &backend(device).allocator() : nullptr;
    size_t peak_step_bytes = 0;
    // On a GPU, batch i + 1 is copied on a second stream while step i computes.
    data::DevicePrefetcher feed(train, device, batches);
    for (int64_t i = 0; i < batches && feed.next(b); ++i) {
      if (device_memory) device_memory->reset_peak();
      StepOutputs out = step.run(b.images, b.labels);
      int64_t n = b.images.size(0);
      loss_sum += out.loss.item() * static_cast<double>(n);
      correct += static_cast<int64_t>(out.correct.item());
      seen += n;
      if (device_memory) peak_step_bytes = std::max(peak_step_bytes, device_memory->stats().peak_allocated);
      char status[64];
      std::snprintf(status, sizeof status, "loss %.4f", loss_sum / static_cast<double>(seen));
      bar.update(1, n, status);
      if (interrupt_requested()) break;
    }
    bar.finish();
    if (interrupt_requested()) {
      result.interrupted = true;
      std::fprintf(stderr, "[msq-train] interrupted in epoch %lld; %s holds epoch %lld (use --resume)\n",
                   (long long)epoch, last_path.c_str(), (long long)(epoch - 1));
      break;
    }
    double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    Predictions pv = predict(model_, val, device);
    std::vector<double> scores;
    for (const auto& row : pv.probabilities) scores.push_back(row.size() > 1 ? row[1] : row[0]);
    EpochRecord r;
    r.epoch = epoch;
    r.train_loss = seen ? loss_sum / static_cast<double>(seen) : std::nan("");
    r.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : std::nan("");
    r.val_loss = pv.loss;
    int64_t vc = 0;
    for (size_t i = 0; i < pv.labels.size(); ++i) {
      int64_t pred = pv.probabilities[i][1] > pv.probabilities[i][0] ? 1 : 0;
      vc += pred == pv.labels[i];
    }
    r.val_accuracy = pv.labels.empty() ? std::nan("") : static_cast<double>(vc) / pv.labels.size();
    r.val_auc = metrics::roc_auc(pv.labels, scores);
    r.lr = optimizer->groups()[0].lr;
    r.images_per_second = train_seconds > 0 ? seen / train_seconds : 0;
    r.peak_step_memory_mib = double(peak_step_bytes) / (1024.0 * 1024.0);
    r.improved = pv.loss < result.best_val_loss - config_.min_delta;
    if (r.improved) {
      result.best_val_loss = pv.loss;
      result.best_epoch = epoch;
      bad_epochs = 0;
      best_state = cpu_state(model_);
      json meta = {{"config", json::parse(config_.to_json())}, {"epoch", epoch}, {"val_loss", pv.loss},
                   {"val_accuracy", r.val_accuracy}, {"val_auc", std::isfinite(r.val_auc) ? json(r.val_auc) : json(nullptr)},
                   {"model", config_.model}};
      save_weights(best_path, best_state, meta.dump());
    } else {
      ++bad_epochs;
    }
    schedule.after_epoch(pv.loss);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.history.push_back(r);

    // The checkpoint of this epoch: model, optimiser, generator and early-stopping state.
    NamedTensorList last = cpu_state(model_);
    for (const auto& [k, t] : optimizer->state()) last.emplace_back("optimizer/" + k, t.cpu());
    json history = json::array();
    for (const EpochRecord& h : result.history) history.push_back(record_json(h));
    json meta = {{"config", json::parse(config_.to_json())}, {"epoch", epoch}, {"bad_epochs", bad_epochs},
                 {"best_epoch", result.best_epoch}, {"best_val_loss", result.best_val_loss},
                 {"rng_offset", default_generator().offset()}, {"history", history}, {"model", config_.model}};
    save_weights(last_path, last, meta.dump());
    write_logs(config_.out, result.history);
    std::fprintf(stderr,
                 "epoch %3lld  train loss %.4f acc %.4f | val loss %.4f acc %.4f auc %.4f | %.1f img/s %s%s%s\n",
                 (long long)epoch, r.train_loss, r.train_accuracy, r.val_loss, r.val_accuracy, r.val_auc,
                 r.images_per_second, format_duration(r.seconds).c_str(),
                 device_memory ? (" | peak " + std::to_string(std::lround(r.peak_step_memory_mib)) + " MiB/step").c_str() : "",
                 r.improved ? "  *best" : "");
    if (on_epoch) on_epoch(r);
    if (stop_after && stop_after(r)) {
      result.stopped_by_caller = true;
      break;
    }
    if (bad_epochs >= config_.patience) {
      result.stopped_early = true;
      std::fprintf(stderr, "[msq-train] early stop: no improvement in %lld epochs; best epoch %lld\n",
                   (long long)bad_epochs, (long long)result.best_epoch);
    }
  }
  if (!best_state.empty()) model_.load_state_dict(best_state, /*strict=*/true);
  return result;
}

}  // namespace msq::train
