#include "engine/metrics/evaluation.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace msq::metrics {
using nlohmann::json;

std::vector<int64_t> argmax_rows(const std::vector<std::vector<double>>& rows) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    check(!rows[i].empty(), "evaluate", "row ", i, " has no values");
    int64_t best = 0;
    for (size_t c = 1; c < rows[i].size(); ++c)
      if (rows[i][c] > rows[i][best]) best = static_cast<int64_t>(c);
    out.push_back(best);
  }
  return out;
}

Evaluation evaluate(const std::vector<int64_t>& y_true, const std::vector<std::vector<double>>& probabilities,
                    const std::vector<std::string>& classes, int64_t positive_class) {
  const int64_t k = static_cast<int64_t>(classes.size());
  check(k >= 2, "evaluate", "at least 2 class names expected, got ", k);
  check(positive_class >= 0 && positive_class < k, "evaluate", "positive_class ", positive_class,
        " is not in [0, ", k, ")");
  check(y_true.size() == probabilities.size(), "evaluate", "y_true has ", y_true.size(), " labels, probabilities ",
        probabilities.size(), " rows");
  std::vector<double> scores;
  std::vector<int64_t> binary;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    check(static_cast<int64_t>(probabilities[i].size()) == k, "evaluate", "probabilities row ", i, " has ",
          probabilities[i].size(), " values, expected ", k);
    scores.push_back(probabilities[i][positive_class]);
    binary.push_back(y_true[i] == positive_class ? 1 : 0);
  }
  Evaluation e;
  e.classes = classes;
  e.positive_class = positive_class;
  e.confusion = confusion_matrix(y_true, argmax_rows(probabilities), k);
  e.report = classification_report(e.confusion);
  if (!y_true.empty()) {
    e.roc = roc_curve(binary, scores);
    e.auc = roc_auc(binary, scores);
  } else {
    e.auc = std::nan("");
  }
  return e;
}

std::string evaluation_json(const Evaluation& e, const std::vector<std::pair<std::string, std::string>>& extra,
                            const std::vector<std::pair<std::string, double>>& numbers) {
  auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  const ClassificationReport& r = e.report;
  json j;
  j["num_samples"] = e.confusion.total();
  j["classes"] = e.classes;
  j["positive_class"] = e.classes.at(e.positive_class);
  j["accuracy"] = r.accuracy;
  j["precision_weighted"] = r.precision_weighted;
  j["recall_weighted"] = r.recall_weighted;
  j["f1_weighted"] = r.f1_weighted;
  j["precision_macro"] = r.precision_macro;
  j["recall_macro"] = r.recall_macro;
  j["f1_macro"] = r.f1_macro;
  j["roc_auc"] = number(e.auc);
  json per = json::object();
  for (size_t c = 0; c < e.classes.size(); ++c)
    per[e.classes[c]] = {{"precision", r.precision[c]}, {"recall", r.recall[c]}, {"f1", r.f1[c]},
                         {"support", r.support[c]}};
  j["per_class"] = per;
  json rows = json::array();
  for (int64_t t = 0; t < e.confusion.num_classes; ++t) {
    json row = json::array();
    for (int64_t p = 0; p < e.confusion.num_classes; ++p) row.push_back(e.confusion.at(t, p));
    rows.push_back(row);
  }
  j["confusion_matrix"] = rows;
  for (const auto& [key, value] : extra) j[key] = value;
  for (const auto& [key, value] : numbers) j[key] = number(value);
  return j.dump(2) + "\n";
}

}  // namespace msq::metrics
