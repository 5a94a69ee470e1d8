// ROC curves and AUC by hand: ties, perfect and inverted rankings, a single class.
#include <cmath>

#include "engine/metrics/roc.h"
#include "test_support.h"

using namespace msq;
using namespace msq::metrics;

TEST_CASE("roc curve points, thresholds and ties as scikit-learn") {
  // scikit-learn: roc_curve([0, 1, 1, 0], [0.1, 0.5, 0.5, 0.7], drop_intermediate=False)
  // -> fpr [0, 0.5, 0.5, 1], tpr [0, 0, 1, 1], thresholds [inf, 0.7, 0.5, 0.1].
  RocCurve r = roc_curve({0, 1, 1, 0}, {0.1, 0.5, 0.5, 0.7});
  CHECK(r.fpr == std::vector<double>{0, 0.5, 0.5, 1});
  CHECK(r.tpr == std::vector<double>{0, 0, 1, 1});
  REQUIRE(r.thresholds.size() == 4);
  CHECK(std::isinf(r.thresholds[0]));
  CHECK(r.thresholds[1] == 0.7);
  CHECK(r.thresholds[3] == 0.1);
  CHECK(roc_auc({0, 1, 1, 0}, {0.1, 0.5, 0.5, 0.7}) == doctest::Approx(0.5));
}

TEST_CASE("auc: perfect, inverted, all tied, half-credit ties") {
  CHECK(roc_auc({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}) == 1.0);
  CHECK(roc_auc({0, 0, 1, 1}, {0.9, 0.8, 0.2, 0.1}) == 0.0);
  CHECK(roc_auc({0, 1, 0, 1}, {0.5, 0.5, 0.5, 0.5}) == 0.5);
  // Pairs (pos, neg): (0.6 vs 0.6) tie = 1/2, (0.6 vs 0.2) = 1, (0.9 vs both) = 2 -> 3.5 / 4.
  CHECK(roc_auc({1, 1, 0, 0}, {0.6, 0.9, 0.6, 0.2}) == doctest::Approx(3.5 / 4));
  CHECK(trapezoid_area({0, 0.5, 1}, {0, 1, 1}) == doctest::Approx(0.75));
}

TEST_CASE("a single class: NaN rates and NaN AUC (documented), no exception") {
  RocCurve r = roc_curve({1, 1, 1}, {0.2, 0.4, 0.9});
  CHECK(std::isnan(r.fpr[1]));
  CHECK(r.tpr.back() == 1.0);
  CHECK(std::isnan(roc_auc({1, 1, 1}, {0.2, 0.4, 0.9})));
  CHECK(std::isnan(roc_auc({0, 0}, {0.2, 0.4})));
}

TEST_CASE("roc errors") {
  CHECK_THROWS_WITH_AS(roc_curve({0, 2}, {0.1, 0.2}), doctest::Contains("y_true[1] = 2"), Error);
  CHECK_THROWS_WITH_AS(roc_curve({0, 1}, {0.1, NAN}), doctest::Contains("scores[1]"), Error);
  CHECK_THROWS_AS(roc_curve({0, 1}, {0.1}), Error);
  CHECK_THROWS_AS(roc_curve({}, {}), Error);
}
