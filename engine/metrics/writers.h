// Evaluation outputs, each written atomically (write_file_atomic):
// - predictions CSV: header "id,path,label,predicted,prob_<class>,...", one row per sample;
//   text fields are quoted (RFC 4180) when they hold a comma, quote or line break; numbers
//   are printed with 17 significant digits (exact round trip);
// - ROC CSV: header "threshold,fpr,tpr", the first threshold "inf", NaN as "nan";
// - the JSON summary (evaluation_json in evaluation.h) and the ROC plot (roc_plot.h).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/metrics/evaluation.h"
#include "engine/metrics/roc.h"

namespace msq::metrics {

struct PredictionRow {
  int64_t id = 0;          // e.g. the dataset sample index
  std::string path;        // the image file, as the manifest gives it
  int64_t label = 0;       // the truth
  int64_t predicted = 0;
  std::vector<double> probabilities;  // one per class
};

std::string predictions_csv(const std::vector<PredictionRow>& rows, const std::vector<std::string>& classes);
void write_predictions_csv(const std::string& path, const std::vector<PredictionRow>& rows,
                           const std::vector<std::string>& classes);

std::string roc_csv(const RocCurve& roc);
void write_roc_csv(const std::string& path, const RocCurve& roc);

void write_evaluation_json(const std::string& path, const Evaluation& evaluation,
                           const std::vector<std::pair<std::string, std::string>>& extra = {},
                           const std::vector<std::pair<std::string, double>>& numbers = {});

// All four into `dir` (created if needed): <prefix>predictions.csv, <prefix>roc.csv,
// <prefix>roc.png, <prefix>metrics.json.
void write_evaluation_files(const std::string& dir, const std::string& prefix, const Evaluation& evaluation,
                            const std::vector<PredictionRow>& rows,
                            const std::vector<std::pair<std::string, std::string>>& extra = {},
                            const std::vector<std::pair<std::string, double>>& numbers = {});

}  // namespace msq::metrics
