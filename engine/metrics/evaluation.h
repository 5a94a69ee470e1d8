// Everything msq-eval reports about one set of predictions, computed in one call, and its
// JSON summary.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/metrics/classification.h"
#include "engine/metrics/confusion.h"
#include "engine/metrics/roc.h"

namespace msq::metrics {

struct Evaluation {
  std::vector<std::string> classes;  // label -> name
  int64_t positive_class = 1;        // the class whose probability is the ROC score
  ConfusionMatrix confusion;
  ClassificationReport report;
  RocCurve roc;                      // of positive_class vs the rest
  double auc = 0;                    // NaN when only one class is present
};

// y_true: labels; probabilities: N rows of K class probabilities (or any scores: the
// prediction is the arg max, the first on ties, and the ROC score is column
// positive_class). Errors name the row and what was expected.
Evaluation evaluate(const std::vector<int64_t>& y_true, const std::vector<std::vector<double>>& probabilities,
                    const std::vector<std::string>& classes, int64_t positive_class = 1);

// The arg max of each row (the first on ties).
std::vector<int64_t> argmax_rows(const std::vector<std::vector<double>>& rows);

// A JSON object: num_samples, classes, positive_class, accuracy, precision / recall / f1
// (weighted and macro), roc_auc (null when undefined), per_class {name: {precision, recall,
// f1, support}}, confusion_matrix (rows: truth), then the `extra` string fields (e.g. model,
// plane, weights file) and `numbers` (e.g. loss).
std::string evaluation_json(const Evaluation& evaluation,
                            const std::vector<std::pair<std::string, std::string>>& extra = {},
                            const std::vector<std::pair<std::string, double>>& numbers = {});

}  // namespace msq::metrics
