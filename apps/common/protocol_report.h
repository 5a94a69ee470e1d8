// The protocol's report: the study's table format for each plane (accuracy, weighted
// precision / recall / F1, ROC AUC on the test split) as mean +/- standard deviation over
// the seeds with a 95 % bootstrap interval, the study's own numbers beside ours, and for
// each classical / hybrid pair (cnn / qcnn, resnet50 / qresnet50, ...) DeLong's test on
// the AUCs and McNemar's test on the accuracies, per seed and pooled; the ROC curves of
// each pair in one PNG; the run's provenance.
//
// Files in `dir`: report.md, report.csv (one row per plane, model and metric),
// report-tests.csv (one row per pair, plane and seed, "pooled" last), report.json
// (everything, per-seed values included), roc-pairs.png.
//
// Intervals: a two-level percentile bootstrap. Each replicate draws K of the K seeds and
// n of the n test slices with replacement (the same slices for every seed and model: the
// test split is shared), and averages the metric over the drawn seeds; with one seed it
// is the usual bootstrap over test slices. Pooled tests: DeLong on the seed-averaged
// probabilities (the seed ensemble of each model); McNemar on the discordant counts
// summed over seeds (the seeds share the test slices, so this pooled p-value is
// descriptive, not an independent-samples test).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/common/train_run.h"

namespace msq::apps {

struct SeedRun {
  uint64_t seed = 0;
  SubsetScores test;  // sorted by id
};

struct ProtocolCell {
  std::string model, plane;
  nlohmann::json config;  // the configuration chosen (search) or given
  std::vector<SeedRun> runs;
};

struct ReportOptions {
  int64_t bootstrap = 2000;
  double confidence = 0.95;
  uint64_t seed = 42;
  nlohmann::json settings = nlohmann::json::object();  // printed in the header (seeds, search, ...)
};

// "CNN", "QResNet50", "EfficientNetB3", ... (the name itself for unknown ones).
std::string display_name(const std::string& model);

void write_protocol_report(const std::string& dir, const std::vector<ProtocolCell>& cells,
                           const nlohmann::json& provenance, const ReportOptions& options);

}  // namespace msq::apps
