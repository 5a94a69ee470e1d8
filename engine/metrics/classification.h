// Accuracy, precision, recall and F1, as scikit-learn defines them with labels = 0..K-1
// and zero_division = 0:
//   precision_c = TP_c / (TP_c + FP_c)   (0 when class c is never predicted)
//   recall_c    = TP_c / (TP_c + FN_c)   (0 when class c has no samples)
//   f1_c        = 2 precision_c recall_c / (precision_c + recall_c)   (0 when both are 0)
//   macro    = the plain mean over the K classes (absent classes included, as 0)
//   weighted = sum_c support_c m_c / sum_c support_c (scikit-learn's average='weighted'; the
//              paper's precision / recall / F1), support_c = samples of true class c
//   accuracy = sum_c TP_c / N
// An empty input gives 0 everywhere.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/metrics/confusion.h"

namespace msq::metrics {

struct ClassificationReport {
  double accuracy = 0;
  std::vector<double> precision, recall, f1;  // per class
  std::vector<int64_t> support;               // per class
  double precision_macro = 0, recall_macro = 0, f1_macro = 0;
  double precision_weighted = 0, recall_weighted = 0, f1_weighted = 0;
};

ClassificationReport classification_report(const ConfusionMatrix& confusion);
ClassificationReport classification_report(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                           int64_t num_classes);

}  // namespace msq::metrics
