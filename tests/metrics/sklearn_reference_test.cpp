// Metrics against scikit-learn on random cases (ties in the scores, single-class labels,
// several class counts) through tools/reference/metrics_reference.py, run with the tools
// venv's python (.venv-tools, tools/requirements-tools.txt). Skips when it is absent.
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/io/atomic_file.h"
#include "engine/metrics/classification.h"
#include "engine/metrics/roc.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::metrics;
using nlohmann::json;

namespace {
struct Case {
  std::vector<int64_t> y_true, y_pred;
  std::vector<double> scores;
  int64_t k = 2;
};

std::vector<Case> make_cases() {
  std::mt19937_64 rng(2024);
  std::vector<Case> cases;
  for (int c = 0; c < 60; ++c) {
    Case x;
    x.k = c % 5 == 4 ? 3 : 2;
    const int n = 1 + static_cast<int>(rng() % 300);
    const int tie_levels = c % 3 == 0 ? 0 : (c % 3 == 1 ? 5 : 50);  // 0: continuous
    const bool one_class = c % 10 == 7;
    for (int i = 0; i < n; ++i) {
      int64_t y = one_class ? 1 : static_cast<int64_t>(rng() % x.k);
      double s = (rng() >> 11) * 0x1.0p-53 * 0.7 + (y == 1 ? 0.3 : 0.0);
      if (tie_levels > 0) s = std::floor(s * tie_levels) / tie_levels;
      int64_t p = x.k == 2 ? (s > 0.5 ? 1 : 0) : static_cast<int64_t>(rng() % 3 == 0 ? rng() % 3 : y);
      x.y_true.push_back(y);
      x.y_pred.push_back(p);
      x.scores.push_back(s);
    }
    cases.push_back(x);
  }
  return cases;
}

void check_vec(const json& expected, const std::vector<double>& actual, const std::string& what) {
  REQUIRE_MESSAGE(expected.size() == actual.size(), what << ": " << expected.size() << " vs " << actual.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    if (expected[i].is_null()) {
      CHECK_MESSAGE(!std::isfinite(actual[i]), what << "[" << i << "] should be inf/NaN, is " << actual[i]);
    } else {
      CHECK_MESSAGE(std::fabs(actual[i] - expected[i].get<double>()) <= 1e-12,
                    what << "[" << i << "]: " << actual[i] << " vs " << expected[i].get<double>());
    }
  }
}
}  // namespace

TEST_CASE("accuracy, precision, recall, F1, confusion, ROC and AUC match scikit-learn") {
  const std::string python = test::tools_venv_python();
  if (!test::python_has(python, "sklearn, numpy")) {
    test::skip("scikit-learn is not available: make .venv-tools with tools/requirements-tools.txt");
    return;
  }
  std::vector<Case> cases = make_cases();
  json in;
  in["cases"] = json::array();
  for (const Case& c : cases)
    in["cases"].push_back({{"y_true", c.y_true}, {"y_pred", c.y_pred}, {"scores", c.scores}, {"num_classes", c.k}});
  const std::string dir = test::scratch_dir("sklearn");
  write_file_atomic(dir + "/in.json", in.dump());
  const std::string cmd = python + " tools/reference/metrics_reference.py '" + dir + "/in.json' '" + dir + "/out.json'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  json out = json::parse(read_file(dir + "/out.json"))["results"];
  REQUIRE(out.size() == cases.size());
  int roc_cases = 0, undefined_auc = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const json& e = out[i];
    INFO("case " << i << " (n = " << c.y_true.size() << ", k = " << c.k << ")");
    ConfusionMatrix m = confusion_matrix(c.y_true, c.y_pred, c.k);
    for (int64_t t = 0; t < c.k; ++t)
      for (int64_t p = 0; p < c.k; ++p) CHECK(m.at(t, p) == e["confusion"][t][p].get<int64_t>());
    ClassificationReport r = classification_report(m);
    CHECK(r.accuracy == doctest::Approx(e["accuracy"].get<double>()).epsilon(1e-12));
    check_vec(e["precision"], r.precision, "precision");
    check_vec(e["recall"], r.recall, "recall");
    check_vec(e["f1"], r.f1, "f1");
    check_vec(json::array({e["precision_macro"], e["recall_macro"], e["f1_macro"]}),
              {r.precision_macro, r.recall_macro, r.f1_macro}, "macro");
    check_vec(json::array({e["precision_weighted"], e["recall_weighted"], e["f1_weighted"]}),
              {r.precision_weighted, r.recall_weighted, r.f1_weighted}, "weighted");
    if (c.k != 2) continue;
    ++roc_cases;
    RocCurve roc = roc_curve(c.y_true, c.scores);
    check_vec(e["roc"]["fpr"], roc.fpr, "fpr");
    check_vec(e["roc"]["tpr"], roc.tpr, "tpr");
    check_vec(e["roc"]["thresholds"], roc.thresholds, "thresholds");
    double auc = roc_auc(c.y_true, c.scores);
    if (e["auc"].is_null()) {
      ++undefined_auc;
      CHECK(std::isnan(auc));
    } else {
      CHECK(auc == doctest::Approx(e["auc"].get<double>()).epsilon(1e-12));
    }
  }
  CHECK(roc_cases > 40);
  CHECK(undefined_auc > 0);
}
