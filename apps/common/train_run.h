// One training run as msq-train does it: split, model, training with early stopping, then
// the best state evaluated on the validation and test splits. Shared by the plain run,
// the search's trials (train_only) and the protocol's seed runs.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/data/manifest.h"
#include "engine/train/config.h"
#include "engine/train/trainer.h"

namespace msq::apps {

// The test (or val) scores of a run, as the protocol report reads them back:
// <out>/<subset>/scores.json = {"ids": [...], "labels": [...], "scores": [P(class 1)], "predicted": [...]}.
struct SubsetScores {
  std::vector<int64_t> ids, labels, predicted;
  std::vector<double> scores;
};
SubsetScores read_subset_scores(const std::string& path);

struct RunResult {
  int status = 0;              // 0, or 130 when interrupted (Ctrl-C)
  nlohmann::json summary;      // as written to <out>/summary.json
};

// Trains c (config.resume continues a run in c.out) and evaluates it; writes config.json,
// split.json, checkpoints, logs, val/ and test/ (metrics.json, predictions.csv, roc.csv,
// roc.png, scores.json) and summary.json. `banner`: print the embedded-data banner.
RunResult train_and_evaluate(const train::TrainConfig& c, bool banner = false);

// The model of c trained on the train split of `manifest`, selected on its val split; no
// evaluation files. `stop_after` as in Trainer::fit.
train::FitResult train_only(const train::TrainConfig& c, const data::SplitManifest& manifest,
                            const std::function<bool(const train::EpochRecord&)>& stop_after);

}  // namespace msq::apps
