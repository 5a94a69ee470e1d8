#include "engine/metrics/classification.h"

namespace msq::metrics {

ClassificationReport classification_report(const ConfusionMatrix& m) {
  const int64_t k = m.num_classes;
  ClassificationReport r;
  int64_t correct = 0, total = 0;
  for (int64_t c = 0; c < k; ++c) {
    int64_t tp = m.at(c, c), predicted = 0, actual = 0;
    for (int64_t o = 0; o < k; ++o) predicted += m.at(o, c), actual += m.at(c, o);
    double p = predicted > 0 ? static_cast<double>(tp) / static_cast<double>(predicted) : 0.0;
    double rc = actual > 0 ? static_cast<double>(tp) / static_cast<double>(actual) : 0.0;
    double f = p + rc > 0 ? 2 * p * rc / (p + rc) : 0.0;
    r.precision.push_back(p);
    r.recall.push_back(rc);
    r.f1.push_back(f);
    r.support.push_back(actual);
    correct += tp;
    total += actual;
  }
  if (total == 0) return r;
  r.accuracy = static_cast<double>(correct) / static_cast<double>(total);
  for (int64_t c = 0; c < k; ++c) {
    const double w = static_cast<double>(r.support[c]) / static_cast<double>(total);
    r.precision_macro += r.precision[c] / static_cast<double>(k);
    r.recall_macro += r.recall[c] / static_cast<double>(k);
    r.f1_macro += r.f1[c] / static_cast<double>(k);
    r.precision_weighted += w * r.precision[c];
    r.recall_weighted += w * r.recall[c];
    r.f1_weighted += w * r.f1[c];
  }
  return r;
}

ClassificationReport classification_report(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                           int64_t num_classes) {
  return classification_report(confusion_matrix(y_true, y_pred, num_classes));
}

}  // namespace msq::metrics
