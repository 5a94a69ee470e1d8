#include "engine/metrics/roc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/core/error.h"

namespace msq::metrics {

RocCurve roc_curve(const std::vector<int64_t>& y_true, const std::vector<double>& scores) {
  check(y_true.size() == scores.size(), "roc_curve", "y_true has ", y_true.size(), " labels, scores ",
        scores.size());
  check(!y_true.empty(), "roc_curve", "no samples");
  for (size_t i = 0; i < y_true.size(); ++i) {
    check(y_true[i] == 0 || y_true[i] == 1, "roc_curve", "y_true[", i, "] = ", y_true[i], ", expected 0 or 1");
    check(std::isfinite(scores[i]), "roc_curve", "scores[", i, "] = ", scores[i], " is not finite");
  }
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });

  RocCurve r;
  std::vector<double> tps{0}, fps{0};
  r.thresholds.push_back(std::numeric_limits<double>::infinity());
  double tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    (y_true[order[k]] == 1 ? tp : fp) += 1;
    if (k + 1 == order.size() || scores[order[k + 1]] != scores[order[k]]) {
      tps.push_back(tp);
      fps.push_back(fp);
      r.thresholds.push_back(scores[order[k]]);
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 0; i < tps.size(); ++i) {
    r.fpr.push_back(fp > 0 ? fps[i] / fp : nan);
    r.tpr.push_back(tp > 0 ? tps[i] / tp : nan);
  }
  return r;
}

double trapezoid_area(const std::vector<double>& x, const std::vector<double>& y) {
  check(x.size() == y.size(), "auc", "x has ", x.size(), " points, y ", y.size());
  double area = 0;
  for (size_t i = 1; i < x.size(); ++i) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
  return area;
}

double roc_auc(const std::vector<int64_t>& y_true, const std::vector<double>& scores) {
  RocCurve r = roc_curve(y_true, scores);
  if (std::isnan(r.fpr.back()) || std::isnan(r.tpr.back())) return std::numeric_limits<double>::quiet_NaN();
  return trapezoid_area(r.fpr, r.tpr);
}

}  // namespace msq::metrics
