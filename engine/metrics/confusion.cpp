#include "engine/metrics/confusion.h"

#include <numeric>

#include "engine/core/error.h"

namespace msq::metrics {

int64_t ConfusionMatrix::total() const { return std::accumulate(counts.begin(), counts.end(), int64_t{0}); }

ConfusionMatrix confusion_matrix(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                 int64_t num_classes) {
  check(num_classes >= 2, "confusion_matrix", "num_classes must be at least 2, got ", num_classes);
  check(y_true.size() == y_pred.size(), "confusion_matrix", "y_true has ", y_true.size(), " labels, y_pred ",
        y_pred.size());
  ConfusionMatrix m;
  m.num_classes = num_classes;
  m.counts.assign(static_cast<size_t>(num_classes * num_classes), 0);
  for (size_t i = 0; i < y_true.size(); ++i) {
    check(y_true[i] >= 0 && y_true[i] < num_classes, "confusion_matrix", "y_true[", i, "] = ", y_true[i],
          " is not in [0, ", num_classes, ")");
    check(y_pred[i] >= 0 && y_pred[i] < num_classes, "confusion_matrix", "y_pred[", i, "] = ", y_pred[i],
          " is not in [0, ", num_classes, ")");
    ++m.counts[y_true[i] * num_classes + y_pred[i]];
  }
  return m;
}

}  // namespace msq::metrics
