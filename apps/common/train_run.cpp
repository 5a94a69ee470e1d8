#include "apps/common/train_run.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/common/data_setup.h"
#include "apps/common/model_setup.h"
#include "engine/core/rng.h"
#include "engine/io/atomic_file.h"
#include "engine/metrics/evaluation.h"
#include "engine/metrics/writers.h"

namespace msq::apps {

using nlohmann::json;

namespace {

// Evaluates the model on one subset and writes <out>/<subset>/{predictions.csv, roc.csv,
// roc.png, metrics.json, scores.json}; returns the metrics JSON.
json evaluate_subset(models::Backbone& model, const data::SplitManifest& manifest, data::Subset subset,
                     const train::TrainConfig& config) {
  std::vector<data::LoaderItem> items = data::loader_items(manifest.dataset, subset);
  if (items.empty()) return nullptr;
  data::BatchLoader loader(items, loader_options(config, false));
  train::Predictions p = train::predict(model, loader, Device::parse(config.device));
  metrics::Evaluation e = metrics::evaluate(p.labels, p.probabilities, manifest.dataset.classes, 1);
  std::vector<metrics::PredictionRow> rows;
  json scores = {{"ids", json::array()}, {"labels", json::array()}, {"scores", json::array()}, {"predicted", json::array()}};
  for (size_t i = 0; i < p.labels.size(); ++i) {
    metrics::PredictionRow r;
    r.id = p.ids[i];
    r.path = manifest.dataset.samples[p.ids[i]].path;
    r.label = p.labels[i];
    r.predicted = p.probabilities[i][1] > p.probabilities[i][0] ? 1 : 0;
    r.probabilities = p.probabilities[i];
    rows.push_back(r);
    scores["ids"].push_back(r.id);
    scores["labels"].push_back(r.label);
    scores["scores"].push_back(r.probabilities[1]);
    scores["predicted"].push_back(r.predicted);
  }
  std::string dir = config.out + "/" + data::subset_name(subset);
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, std::string>> extra = {
      {"model", config.model}, {"plane", config.plane}, {"subset", data::subset_name(subset)},
      {"weights", config.out + "/best.msqw"}};
  metrics::write_evaluation_files(dir, "", e, rows, extra, {{"loss", p.loss}});
  write_file_atomic(dir + "/scores.json", scores.dump() + "\n");
  return json::parse(metrics::evaluation_json(e, extra, {{"loss", p.loss}}));
}

}  // namespace

SubsetScores read_subset_scores(const std::string& path) {
  json j;
  try {
    j = json::parse(read_file(path));
    SubsetScores s;
    s.ids = j.at("ids").get<std::vector<int64_t>>();
    s.labels = j.at("labels").get<std::vector<int64_t>>();
    s.scores = j.at("scores").get<std::vector<double>>();
    s.predicted = j.at("predicted").get<std::vector<int64_t>>();
    check(s.ids.size() == s.labels.size() && s.ids.size() == s.scores.size() && s.ids.size() == s.predicted.size(),
          "scores", "'", path, "': arrays of different lengths");
    return s;
  } catch (const json::exception& e) {
    fail("scores", "'", path, "' is not a scores file: ", e.what());
  }
}

train::FitResult train_only(const train::TrainConfig& c, const data::SplitManifest& manifest,
                            const std::function<bool(const train::EpochRecord&)>& stop_after) {
  manual_seed(c.seed);
  std::shared_ptr<models::Backbone> model = make_model(c);
  data::BatchLoader train_loader(data::loader_items(manifest.dataset, data::Subset::Train), loader_options(c, true));
  data::BatchLoader val_loader(data::loader_items(manifest.dataset, data::Subset::Val), loader_options(c, false));
  std::filesystem::create_directories(c.out);
  write_file_atomic(c.out + "/config.json", c.to_json() + "\n");
  train::Trainer trainer(*model, c);
  return trainer.fit(train_loader, val_loader, nullptr, stop_after);
}

RunResult train_and_evaluate(const train::TrainConfig& c, bool banner) {
  c.validate();
  std::filesystem::create_directories(c.out);
  Device device = Device::parse(c.device);
  if (device.is_cuda() && !cuda_available()) {
    fail("msq-train", "--device ", c.device, " asked for, but CUDA is not available (", cuda_unavailable_reason(), ")");
  }
  manual_seed(c.seed);
  if (banner) {
    std::fprintf(stderr, "[msq] no --data: training %s on the embedded synthetic MS-like dataset (%s plane, %lldx%lld)\n",
                 c.model.c_str(), c.plane.c_str(), (long long)c.image_size, (long long)c.image_size);
  }
  data::SplitManifest manifest = prepare_split(c);
  std::shared_ptr<models::Backbone> model = make_model(c);
  std::fprintf(stderr, "[msq] %s: %lld parameters, %lld trainable; device %s\n", c.model.c_str(),
               (long long)model->parameter_count(), (long long)model->parameter_count(true), c.device.c_str());
  data::BatchLoader train_loader(data::loader_items(manifest.dataset, data::Subset::Train), loader_options(c, true));
  data::BatchLoader val_loader(data::loader_items(manifest.dataset, data::Subset::Val), loader_options(c, false));
  write_file_atomic(c.out + "/config.json", c.to_json() + "\n");

  train::Trainer trainer(*model, c);
  train::FitResult fit = trainer.fit(train_loader, val_loader);
  RunResult result;
  if (fit.interrupted) {
    result.status = 130;
    return result;
  }
  json summary = {{"config", json::parse(c.to_json())},
                  {"model_config", json::parse(model_config(c).to_json())},
                  {"split", c.out + "/split.json"},
                  {"best_epoch", fit.best_epoch},
                  {"best_val_loss", fit.best_val_loss},
                  {"epochs_run", fit.history.size()},
                  {"stopped_early", fit.stopped_early},
                  {"pretrained", c.pretrained.empty() ? json("none (random init)") : json(c.pretrained)}};
  json skipped = json::array();
  for (const data::SkippedFile& s : manifest.skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
  summary["skipped_images"] = {{"count", manifest.skipped.size()}, {"files", skipped}};
  summary["val"] = evaluate_subset(*model, manifest, data::Subset::Val, c);
  summary["test"] = evaluate_subset(*model, manifest, data::Subset::Test, c);
  write_file_atomic(c.out + "/summary.json", summary.dump(2) + "\n");
  result.summary = summary;
  return result;
}

}  // namespace msq::apps
