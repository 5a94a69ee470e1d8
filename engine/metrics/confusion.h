// The confusion matrix of a classifier: counts[t * K + p] = number of samples of true
// class t predicted as p (rows: truth, columns: prediction, as scikit-learn's
// confusion_matrix with labels = 0..K-1).
#pragma once
#include <cstdint>
#include <vector>

namespace msq::metrics {

struct ConfusionMatrix {
  int64_t num_classes = 0;
  std::vector<int64_t> counts;  // row-major K x K

  int64_t at(int64_t truth, int64_t predicted) const { return counts[truth * num_classes + predicted]; }
  int64_t total() const;
};

// Errors: different lengths, labels outside [0, num_classes).
ConfusionMatrix confusion_matrix(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                 int64_t num_classes);

}  // namespace msq::metrics
