// msq-train: trains a registered model on the MS MRI dataset (or, without --data, on an
// embedded synthetic MS-like dataset), with early stopping and checkpoints, then evaluates
// the best state on the validation and test splits. With --search N it runs a
// hyper-parameter study instead, and with --protocol the study's whole grid and its report.
//
//   msq-train                                   # the embedded default: CNN on synthetic data
//   msq-train --model qcnn --data ../shared/data/ms-mri --plane sagittal --out runs/qcnn-sag
//   msq-train --config run.json --resume        # continue an interrupted run
//   msq-train --model cnn --data ... --search 50 --out runs/cnn-search   # then --config runs/cnn-search/search/best-config.json
//   msq-train --protocol --search 50 --seeds 5 --data ... --out runs/protocol
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/common/cli.h"
#include "apps/common/data_setup.h"
#include "apps/common/protocol.h"
#include "apps/common/search_run.h"
#include "apps/common/train_run.h"
#include "engine/search/search_space.h"
#include "engine/train/interrupt.h"

using namespace msq;
using nlohmann::json;

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int run_training(apps::TrainCli& cli, bool embedded) {
  train::install_interrupt_handler();
  apps::RunResult r = apps::train_and_evaluate(cli.config, embedded);
  if (r.status != 0) return r.status;
  const json& summary = r.summary;
  for (const char* s : {"val", "test"}) {
    const json& m = summary[s];
    if (m.is_null()) continue;
    auto num = [&](const char* k) { return m.contains(k) && m[k].is_number() ? m[k].get<double>() : std::nan(""); };
    std::printf("%-5s accuracy %.4f  precision %.4f  recall %.4f  f1 %.4f  auc %.4f  (n = %lld)\n", s,
                num("accuracy"), num("precision_weighted"), num("recall_weighted"), num("f1_weighted"),
                num("roc_auc"), (long long)m.value("num_samples", 0));
  }
  std::printf("best epoch %lld of %lld; results in %s\n", (long long)summary["best_epoch"].get<int64_t>(),
              (long long)summary["epochs_run"].get<int64_t>(), cli.config.out.c_str());
  return 0;
}

int run_search(apps::TrainCli& cli) {
  train::install_interrupt_handler();
  train::TrainConfig& c = cli.config;
  c.validate();
  apps::SearchRequest r;
  r.space = search::SearchSpace::from_json(apps::search_space_text(cli), cli.search_space_file.empty() ? "the default space" : cli.search_space_file);
  apps::prepare_split(c);  // <out>/split.json, shared by every trial (reused when it exists)
  r.base = c;
  r.base.split = c.out + "/split.json";
  r.base.resume = false;
  r.trials = cli.search;
  r.sampler = cli.sampler;
  r.dir = c.out + "/search";
  r.best_out = c.out + "/best-run";
  std::optional<train::TrainConfig> best = apps::run_search(r);
  if (train::interrupt_requested()) return 130;
  if (!best) {
    std::fprintf(stderr, "msq-train: no trial completed; see %s/trials.csv\n", r.dir.c_str());
    return 1;
  }
  std::printf("best configuration: %s/best-config.json (train it: msq-train --config %s/best-config.json)\n",
              r.dir.c_str(), r.dir.c_str());
  return 0;
}

int run_protocol(apps::TrainCli& cli) {
  apps::ProtocolOptions o;
  o.base = cli.config;
  o.base.validate();
  o.models = cli.models.empty() ? apps::study_models() : split_list(cli.models);
  o.planes = split_list(cli.planes.empty() ? "axial,sagittal" : cli.planes);
  o.seeds = cli.seeds;
  o.search_trials = cli.search;
  o.sampler = cli.sampler;
  o.space_json = apps::search_space_text(cli);
  o.bootstrap = cli.bootstrap;
  return apps::run_protocol(o);
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
  apps::add_search_options(app, cli);
  CLI11_PARSE(app, argc, argv);
  // The embedded default: without --data (and without a config file), a small, quick run on
  // synthetic slices that a 2-core CPU finishes in a few minutes.
  bool embedded = cli.config.data.empty() && cli.config_file.empty();
  if (embedded) {
    if (!app.count("--image-size")) cli.config.image_size = 64;
    if (!app.count("--epochs")) cli.config.epochs = 20;
    if (!app.count("--out")) {
      cli.config.out = cli.protocol ? "runs/synthetic-protocol" : "runs/synthetic-" + cli.config.model + "-" + cli.config.plane;
    }
    if (!app.count("--n-dense")) cli.n_dense = 1;
    if (!app.count("--units")) cli.units = 64;
    if (!app.count("--dropout")) cli.dropout = 0.3;
  }
  try {
    apps::apply_model_shortcuts(cli);
    if (cli.protocol) return run_protocol(cli);
    if (cli.search > 0) return run_search(cli);
    return run_training(cli, embedded);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "msq-train: %s\n", e.what());
    return 1;
  }
}
