// msq-train --search N: a study (engine/search) whose trials are training runs. Each trial
// trains the configuration base + the space's "fixed" options + the sampled parameters on
// the train split, reports the validation loss after every epoch to the median pruner,
// and its objective is the best validation loss (selection on the validation split
// only). The folder `dir` holds:
//   journal.jsonl        the study (engine/search/study.h)
//   trial-NNNN/          each trial's config.json, log.csv, log.jsonl (weights deleted)
//   trials.csv           one row per trial: number, state, value, epochs, params
//   best-config.json     the best trial's full msq-train config (msq-train --config takes it)
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "engine/search/search_space.h"
#include "engine/train/config.h"

namespace msq::apps {

struct SearchRequest {
  train::TrainConfig base;      // base.split must name the split manifest every trial uses
  search::SearchSpace space;    // the whole space; parameters not for base.model are dropped
  int64_t trials = 50;
  std::string sampler = "tpe";  // tpe | random
  std::string dir;              // the study's folder
  std::string best_out;         // the "out" of the exported config ("" = <dir>/../best-run)
};

// base with the fixed options and the parameters applied: names that are msq-train config
// keys set those, the others go into model_options. Errors name the parameter.
train::TrainConfig apply_params(train::TrainConfig base, const std::string& fixed_json, const std::string& params_json);

// Runs (or continues) the study until it has `trials` finished trials; returns the best
// configuration (also written to <dir>/best-config.json), or nothing when no trial
// completed or the run was interrupted.
std::optional<train::TrainConfig> run_search(const SearchRequest& request);

}  // namespace msq::apps
