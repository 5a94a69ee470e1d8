// The ROC curve and its area for a binary problem (labels 0 / 1, scores: higher = more
// likely class 1), as scikit-learn 1.3's roc_curve(drop_intermediate=False) and
// roc_auc_score:
// - sort the scores in decreasing order; one point per distinct score value (ties form a
//   single step, diagonal when they mix classes), at threshold = that score, with
//   tps / fps = the positives / negatives scoring >= the threshold;
// - a first point (0, 0) at threshold +infinity;
// - fpr = fps / N_negative, tpr = tps / N_positive.
// AUC = the trapezoid rule over (fpr, tpr), the probability that a random positive scores
// above a random negative, ties counted one half.
// With a single class in y_true the curve's fpr (no negatives) or tpr (no positives) is
// NaN, as scikit-learn's, and roc_auc returns NaN (scikit-learn raises): the summary
// writes it as null. Scores must be finite; labels 0 or 1.
#pragma once
#include <cstdint>
#include <vector>

namespace msq::metrics {

struct RocCurve {
  std::vector<double> fpr, tpr, thresholds;  // thresholds[0] = +infinity
};

RocCurve roc_curve(const std::vector<int64_t>& y_true, const std::vector<double>& scores);
// Trapezoid area under (x, y) points in the given order.
double trapezoid_area(const std::vector<double>& x, const std::vector<double>& y);
// The area under the ROC curve; NaN when y_true holds one class only.
double roc_auc(const std::vector<int64_t>& y_true, const std::vector<double>& scores);

}  // namespace msq::metrics
