// msq-train: trains a registered model on the MS MRI dataset (or, without --data, on an
// embedded synthetic MS-like dataset), with early stopping and checkpoints, then evaluates
// the best state on the validation and test splits.
//
//   msq-train                                   # the embedded default: CNN on synthetic data
//   msq-train --model qcnn --data ../shared/data/ms-mri --plane sagittal --out runs/qcnn-sag
//   msq-train --config run.json --resume        # continue an interrupted run
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "apps/common/cli.h"
#include "apps/common/data_setup.h"
#include "apps/common/model_setup.h"
#include "engine/core/rng.h"
#include "engine/io/atomic_file.h"
#include "engine/metrics/evaluation.h"
#include "engine/metrics/writers.h"
#include "engine/train/interrupt.h"
#include "engine/train/trainer.h"

using namespace msq;
using nlohmann::json;

namespace {

// Evaluates the model on one subset and writes <out>/<subset>/{predictions.csv, roc.csv,
// roc.png, metrics.json}; returns the metrics JSON.
json evaluate_subset(models::Backbone& model, const data::SplitManifest& manifest, data::Subset subset,
                     const train::TrainConfig& config) {
  std::vector<data::LoaderItem> items = data::loader_items(manifest.dataset, subset);
  if (items.empty()) return nullptr;
  data::BatchLoader loader(items, apps::loader_options(config, false));
  train::Predictions p = train::predict(model, loader, Device::parse(config.device));
  metrics::Evaluation e = metrics::evaluate(p.labels, p.probabilities, manifest.dataset.classes, 1);
  std::vector<metrics::PredictionRow> rows;
  for (size_t i = 0; i < p.labels.size(); ++i) {
    metrics::PredictionRow r;
    r.id = p.ids[i];
    r.path = manifest.dataset.samples[p.ids[i]].path;
    r.label = p.labels[i];
    r.predicted = p.probabilities[i][1] > p.probabilities[i][0] ? 1 : 0;
    r.probabilities = p.probabilities[i];
    rows.push_back(r);
  }
  std::string dir = config.out + "/" + data::subset_name(subset);
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, std::string>> extra = {
      {"model", config.model}, {"plane", config.plane}, {"subset", data::subset_name(subset)},
      {"weights", config.out + "/best.msqw"}};
  metrics::write_evaluation_files(dir, "", e, rows, extra, {{"loss", p.loss}});
  return json::parse(metrics::evaluation_json(e, extra, {{"loss", p.loss}}));
}

int run(apps::TrainCli& cli, bool embedded_defaults) {
  train::TrainConfig& c = cli.config;
  c.validate();
  std::filesystem::create_directories(c.out);
  Device device = Device::parse(c.device);
  if (device.is_cuda() && !cuda_available()) {
    fail("msq-train", "--device ", c.device, " asked for, but CUDA is not available (", cuda_unavailable_reason(), ")");
  }
  train::install_interrupt_handler();
  manual_seed(c.seed);
  if (embedded_defaults) {
    std::fprintf(stderr, "[msq] no --data: training %s on the embedded synthetic MS-like dataset (%s plane, %lldx%lld)\n",
                 c.model.c_str(), c.plane.c_str(), (long long)c.image_size, (long long)c.image_size);
  }
  data::SplitManifest manifest = apps::prepare_split(c);
  std::shared_ptr<models::Backbone> model = apps::make_model(c);
  std::fprintf(stderr, "[msq] %s: %lld parameters, %lld trainable; device %s\n", c.model.c_str(),
               (long long)model->parameter_count(), (long long)model->parameter_count(true), c.device.c_str());
  data::BatchLoader train_loader(data::loader_items(manifest.dataset, data::Subset::Train), apps::loader_options(c, true));
  data::BatchLoader val_loader(data::loader_items(manifest.dataset, data::Subset::Val), apps::loader_options(c, false));
  write_file_atomic(c.out + "/config.json", c.to_json() + "\n");

  train::Trainer trainer(*model, c);
  train::FitResult fit = trainer.fit(train_loader, val_loader);
  if (fit.interrupted) return 130;

  json summary = {{"config", json::parse(c.to_json())},
                  {"model_config", json::parse(apps::model_config(c).to_json())},
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
  for (const char* s : {"val", "test"}) {
    const json& m = summary[s];
    if (m.is_null()) continue;
    auto num = [&](const char* k) { return m.contains(k) && m[k].is_number() ? m[k].get<double>() : std::nan(""); };
    std::printf("%-5s accuracy %.4f  precision %.4f  recall %.4f  f1 %.4f  auc %.4f  (n = %lld)\n", s,
                num("accuracy"), num("precision_weighted"), num("recall_weighted"), num("f1_weighted"),
                num("roc_auc"), (long long)m.value("num_samples", 0));
  }
  std::printf("best epoch %lld of %zu; results in %s\n", (long long)fit.best_epoch, fit.history.size(), c.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  apps::TrainCli cli;
  try {
    apps::load_config_file_arg(argc, argv, cli);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  CLI::App app{"msq-train: train a model of the MS MRI study (see README.md)"};
  apps::add_train_options(app, cli);
  CLI11_PARSE(app, argc, argv);
  // The embedded default: without --data (and without a config file), a small, quick run on
  // synthetic slices that a 2-core CPU finishes in a few minutes.
  bool embedded = cli.config.data.empty() && cli.config_file.empty();
  if (embedded) {
    if (!app.count("--image-size")) cli.config.image_size = 64;
    if (!app.count("--epochs")) cli.config.epochs = 20;
    if (!app.count("--out")) cli.config.out = "runs/synthetic-" + cli.config.model + "-" + cli.config.plane;
    if (!app.count("--n-dense")) cli.n_dense = 1;
    if (!app.count("--units")) cli.units = 64;
    if (!app.count("--dropout")) cli.dropout = 0.3;
  }
  try {
    apps::apply_model_shortcuts(cli);
    return run(cli, embedded);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "msq-train: %s\n", e.what());
    return 1;
  }
}
