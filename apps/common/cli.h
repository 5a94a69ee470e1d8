// The command line of msq-train: every TrainConfig field as an option; `--config FILE`
// (JSON, the same keys as the checkpoint's "config") is applied first and the other
// options override it.
#pragma once
#include <CLI/CLI.hpp>

#include "engine/train/config.h"

namespace msq::apps {

struct TrainCli {
  train::TrainConfig config;
  std::string config_file;
  // Shortcuts into config.model_options (set only when given).
  int n_dense = -1, n_qubits = -1, n_layers = -1;
  int64_t units = -1;
  double dropout = -1;
  std::string freezing;
  // Search and protocol (not config keys: they say what to run, not how to train).
  int64_t search = 0;               // --search N: trials of a hyper-parameter study
  std::string search_space_file;    // --search-space FILE (JSON); "" = the study's space
  std::string sampler = "tpe";      // --sampler tpe | random
  bool protocol = false;            // --protocol: every model x plane, K seeds, the report
  int64_t seeds = 3;                // --seeds K
  std::string models, planes;       // --models a,b  --planes axial,sagittal
  int64_t bootstrap = 2000;         // --bootstrap B (report intervals)
};

// Registers the options on `app`, binding them to `cli.config`. Call after loading a
// --config file into cli.config (see load_config_file_arg) so defaults show its values.
void add_train_options(CLI::App& app, TrainCli& cli);
// Finds "--config FILE" in argv and loads it into cli.config (before CLI11 parses).
void load_config_file_arg(int argc, char** argv, TrainCli& cli);
// Registers --search, --search-space, --sampler, --protocol, --seeds, --models, --planes, --bootstrap.
void add_search_options(CLI::App& app, TrainCli& cli);
// The search space text: --search-space's file, or the study's default space.
std::string search_space_text(const TrainCli& cli);
// Moves the model shortcuts into config.model_options.
void apply_model_shortcuts(TrainCli& cli);

}  // namespace msq::apps
