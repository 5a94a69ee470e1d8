// Hand-computed metrics that always run: confusion matrix, per-class / macro / weighted
// precision, recall, F1, accuracy, zero-division cases, errors.
#include <cmath>

#include "engine/metrics/classification.h"
#include "engine/metrics/evaluation.h"
#include "test_support.h"

using namespace msq;
using namespace msq::metrics;

TEST_CASE("a small binary case by hand") {
  // truth:      1 1 1 1 0 0 0 0 0 0
  // predicted:  1 1 1 0 0 0 0 0 1 1
  std::vector<int64_t> y{1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, p{1, 1, 1, 0, 0, 0, 0, 0, 1, 1};
  ConfusionMatrix m = confusion_matrix(y, p, 2);
  CHECK(m.at(0, 0) == 4);
  CHECK(m.at(0, 1) == 2);
  CHECK(m.at(1, 0) == 1);
  CHECK(m.at(1, 1) == 3);
  CHECK(m.total() == 10);
  ClassificationReport r = classification_report(m);
  CHECK(r.accuracy == doctest::Approx(0.7));
  CHECK(r.precision[1] == doctest::Approx(3.0 / 5));
  CHECK(r.recall[1] == doctest::Approx(3.0 / 4));
  CHECK(r.f1[1] == doctest::Approx(2 * 0.6 * 0.75 / 1.35));
  CHECK(r.precision[0] == doctest::Approx(4.0 / 5));
  CHECK(r.recall[0] == doctest::Approx(4.0 / 6));
  CHECK(r.support == std::vector<int64_t>{6, 4});
  CHECK(r.precision_macro == doctest::Approx((0.8 + 0.6) / 2));
  CHECK(r.precision_weighted == doctest::Approx(0.6 * 0.8 + 0.4 * 0.6));
  CHECK(r.recall_weighted == doctest::Approx(r.accuracy));  // always, by definition
  double f0 = 2 * 0.8 * (4.0 / 6) / (0.8 + 4.0 / 6), f1 = 2 * 0.6 * 0.75 / 1.35;
  CHECK(r.f1_weighted == doctest::Approx(0.6 * f0 + 0.4 * f1));
  CHECK(r.f1_macro == doctest::Approx((f0 + f1) / 2));
}

TEST_CASE("zero division gives 0; empty input gives 0") {
  // Class 1 never predicted: precision 0, recall 0, F1 0.
  ClassificationReport r = classification_report({0, 0, 1}, {0, 0, 0}, 2);
  CHECK(r.precision[1] == 0);
  CHECK(r.recall[1] == 0);
  CHECK(r.f1[1] == 0);
  CHECK(r.precision[0] == doctest::Approx(2.0 / 3));
  // A class absent from truth and predictions counts as 0 in the macro mean.
  ClassificationReport three = classification_report({0, 1}, {0, 1}, 3);
  CHECK(three.precision_macro == doctest::Approx(2.0 / 3));
  CHECK(three.precision_weighted == doctest::Approx(1.0));
  ClassificationReport empty = classification_report({}, {}, 2);
  CHECK(empty.accuracy == 0);
  CHECK(empty.f1_weighted == 0);
}

TEST_CASE("errors name the position and the range") {
  CHECK_THROWS_WITH_AS(confusion_matrix({0, 2}, {0, 1}, 2), doctest::Contains("y_true[1] = 2"), Error);
  CHECK_THROWS_WITH_AS(confusion_matrix({0, 1}, {0, -1}, 2), doctest::Contains("y_pred[1] = -1"), Error);
  CHECK_THROWS_WITH_AS(confusion_matrix({0, 1}, {0}, 2), doctest::Contains("y_pred 1"), Error);
  CHECK_THROWS_AS(confusion_matrix({}, {}, 1), Error);
}

TEST_CASE("evaluate: argmax predictions, ROC of the positive class, JSON summary") {
  std::vector<int64_t> y{0, 0, 1, 1};
  std::vector<std::vector<double>> probs{{0.9, 0.1}, {0.4, 0.6}, {0.35, 0.65}, {0.2, 0.8}};
  Evaluation e = evaluate(y, probs, {"control", "ms"});
  CHECK(e.report.accuracy == doctest::Approx(0.75));
  CHECK(e.auc == doctest::Approx(1.0));
  CHECK(argmax_rows({{0.5, 0.5}, {0.1, 0.2, 0.7}}) == std::vector<int64_t>{0, 2});
  std::string j = evaluation_json(e, {{"model", "cnn"}}, {{"loss", 0.25}});
  CHECK(j.find("\"roc_auc\": 1.0") != std::string::npos);
  CHECK(j.find("\"model\": \"cnn\"") != std::string::npos);
  CHECK(j.find("\"confusion_matrix\"") != std::string::npos);
  // One class only: AUC undefined -> NaN, written as null.
  Evaluation one = evaluate({1, 1}, {{0.3, 0.7}, {0.6, 0.4}}, {"control", "ms"});
  CHECK(std::isnan(one.auc));
  CHECK(evaluation_json(one).find("\"roc_auc\": null") != std::string::npos);
  CHECK_THROWS_WITH_AS(evaluate({0}, {{0.1, 0.2, 0.7}}, {"a", "b"}), doctest::Contains("row 0 has 3"), Error);
}
