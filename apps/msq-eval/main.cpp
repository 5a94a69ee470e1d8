// msq-eval: evaluates a checkpoint (best.msqw or last.msqw of msq-train) on a data folder
// (every image in it), on one subset of a saved split, or on single image files.
//
//   msq-eval --checkpoint runs/cnn/best.msqw --split runs/cnn/split.json --subset test
//   msq-eval --checkpoint runs/cnn/best.msqw --data some/folder --out eval/
//   msq-eval --checkpoint runs/cnn/best.msqw --image a.png --image b.jpg
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "apps/common/data_setup.h"
#include "apps/common/model_setup.h"
#include "engine/data/manifest.h"
#include "engine/data/scan.h"
#include "engine/io/weights_file.h"
#include "engine/nn/load_weights.h"
#include "engine/metrics/evaluation.h"
#include "engine/metrics/writers.h"
#include "engine/train/trainer.h"

using namespace msq;
using nlohmann::json;

namespace {

struct EvalCli {
  std::string checkpoint, data, split, subset = "test", out, device = "cpu", model, plane;
  std::vector<std::string> images;
  int64_t batch_size = 32;
  int threads = 2;
};

// The model of the checkpoint with its weights (optimizer state in last.msqw is ignored).
std::shared_ptr<models::Backbone> load_model(const EvalCli& cli, train::TrainConfig& config) {
  config = apps::config_from_checkpoint(cli.checkpoint);
  check(cli.model.empty() || cli.model == config.model, "msq-eval", "'", cli.checkpoint,
        "' is a checkpoint of model '", config.model, "', not '", cli.model, "'");
  config.device = cli.device;
  config.pretrained.clear();
  config.batch_size = cli.batch_size;
  config.threads = cli.threads;
  std::shared_ptr<models::Backbone> model = apps::make_model(config);
  NamedTensorList state;
  for (auto& [name, t] : load_weights(cli.checkpoint).tensors) {
    if (name.rfind("optimizer/", 0) != 0) state.emplace_back(name, t);
  }
  nn::LoadOptions strict;
  nn::load_weights_into(*model, state, strict, cli.checkpoint);
  return model;
}

int run(const EvalCli& cli) {
  train::TrainConfig config;
  std::shared_ptr<models::Backbone> model = load_model(cli, config);
  Device device = Device::parse(cli.device);
  std::vector<data::LoaderItem> items;
  std::vector<std::string> paths;
  std::vector<std::string> classes = {"Control", "MS"};
  if (!cli.images.empty()) {
    for (size_t i = 0; i < cli.images.size(); ++i) {
      items.push_back({cli.images[i], -1, static_cast<int64_t>(i), Tensor()});
      paths.push_back(cli.images[i]);
    }
  } else {
    data::Dataset ds;
    if (!cli.split.empty()) {
      ds = data::read_split_manifest(cli.split, {cli.data, true, false}).dataset;
      for (int64_t i : ds.indices(data::parse_subset(cli.subset))) {
        items.push_back({ds.file_path(i), ds.samples[i].label, i, Tensor()});
      }
    } else {
      check(!cli.data.empty(), "msq-eval", "give --data, --split or --image");
      data::ScanOptions scan;
      scan.plane = cli.plane.empty() ? config.plane : cli.plane;
      ds = data::scan_dataset(cli.data, scan);
      for (int64_t i = 0; i < static_cast<int64_t>(ds.samples.size()); ++i) {
        items.push_back({ds.file_path(i), ds.samples[i].label, i, Tensor()});
      }
    }
    check(!items.empty(), "msq-eval", "no images to evaluate");
    classes = ds.classes;
    for (const auto& it : items) paths.push_back(ds.samples[it.id].path);
  }
  bool labelled = cli.images.empty();
  for (auto& it : items) {
    if (it.label < 0) it.label = 0;  // unlabelled single images: a placeholder the metrics ignore
  }
  data::BatchLoader loader(items, apps::loader_options(config, false));
  train::Predictions p = train::predict(*model, loader, device);
  if (!labelled) {
    std::printf("%-50s %10s %10s  prediction\n", "image", ("p(" + classes[0] + ")").c_str(), ("p(" + classes[1] + ")").c_str());
    for (size_t i = 0; i < p.ids.size(); ++i) {
      const auto& pr = p.probabilities[i];
      std::printf("%-50s %10.4f %10.4f  %s\n", paths[p.ids[i]].c_str(), pr[0], pr[1], classes[pr[1] > pr[0] ? 1 : 0].c_str());
    }
    return 0;
  }
  metrics::Evaluation e = metrics::evaluate(p.labels, p.probabilities, classes, 1);
  std::string out = cli.out.empty() ? std::filesystem::path(cli.checkpoint).parent_path().string() + "/eval" : cli.out;
  std::filesystem::create_directories(out);
  std::vector<metrics::PredictionRow> rows;
  for (size_t i = 0; i < p.labels.size(); ++i) {
    metrics::PredictionRow r;
    r.id = p.ids[i];
    r.path = paths[i];
    r.label = p.labels[i];
    r.predicted = p.probabilities[i][1] > p.probabilities[i][0] ? 1 : 0;
    r.probabilities = p.probabilities[i];
    rows.push_back(r);
  }
  std::vector<std::pair<std::string, std::string>> extra = {{"model", config.model}, {"checkpoint", cli.checkpoint}};
  metrics::write_evaluation_files(out, "", e, rows, extra, {{"loss", p.loss}});
  const auto& rep = e.report;
  std::printf("%s on %zu images (%s)\n", config.model.c_str(), p.labels.size(), out.c_str());
  std::printf("  accuracy  %.4f\n  precision %.4f (weighted)\n  recall    %.4f (weighted)\n  f1        %.4f (weighted)\n  roc auc   %s\n",
              rep.accuracy, rep.precision_weighted, rep.recall_weighted, rep.f1_weighted,
              std::isnan(e.auc) ? "undefined (one class)" : std::to_string(e.auc).c_str());
  std::printf("  confusion (rows: truth %s / %s): [[%lld, %lld], [%lld, %lld]]\n", classes[0].c_str(), classes[1].c_str(),
              (long long)e.confusion.at(0, 0), (long long)e.confusion.at(0, 1), (long long)e.confusion.at(1, 0),
              (long long)e.confusion.at(1, 1));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  EvalCli cli;
  CLI::App app{"msq-eval: evaluate an msq-train checkpoint"};
  app.add_option("--checkpoint", cli.checkpoint, "best.msqw or last.msqw of an msq-train run")->required();
  app.add_option("--data", cli.data, "evaluate every image under this folder (or the data root of --split)");
  app.add_option("--split", cli.split, "a split manifest (split.json)");
  app.add_option("--subset", cli.subset, "train | val | test (with --split)")->capture_default_str();
  app.add_option("--image", cli.images, "single image files (prints their probabilities)");
  app.add_option("--plane", cli.plane, "axial | sagittal (Kaggle layout; default: the checkpoint's)");
  app.add_option("--model", cli.model, "expected model name (an error if the checkpoint is of another)");
  app.add_option("--out", cli.out, "output folder (default: <checkpoint folder>/eval)");
  app.add_option("--device", cli.device)->capture_default_str();
  app.add_option("--batch-size", cli.batch_size)->capture_default_str();
  app.add_option("--threads", cli.threads)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(cli);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "msq-eval: %s\n", e.what());
    return 1;
  }
}
