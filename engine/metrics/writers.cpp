#include "engine/metrics/writers.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/metrics/roc_plot.h"

namespace msq::metrics {
namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string predictions_csv(const std::vector<PredictionRow>& rows, const std::vector<std::string>& classes) {
  std::string out = "id,path,label,predicted";
  for (const std::string& c : classes) out += "," + csv_field("prob_" + c);
  out += "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const PredictionRow& r = rows[i];
    check(r.probabilities.size() == classes.size(), "predictions_csv", "row ", i, " has ", r.probabilities.size(),
          " probabilities, expected ", classes.size());
    out += std::to_string(r.id) + "," + csv_field(r.path) + "," + std::to_string(r.label) + "," +
           std::to_string(r.predicted);
    for (double p : r.probabilities) out += "," + csv_number(p);
    out += "\n";
  }
  return out;
}

void write_predictions_csv(const std::string& path, const std::vector<PredictionRow>& rows,
                           const std::vector<std::string>& classes) {
  write_file_atomic(path, predictions_csv(rows, classes));
}

std::string roc_csv(const RocCurve& roc) {
  check(roc.fpr.size() == roc.tpr.size() && roc.fpr.size() == roc.thresholds.size(), "roc_csv",
        "fpr, tpr and thresholds differ in length (", roc.fpr.size(), ", ", roc.tpr.size(), ", ",
        roc.thresholds.size(), ")");
  std::string out = "threshold,fpr,tpr\n";
  for (size_t i = 0; i < roc.fpr.size(); ++i)
    out += csv_number(roc.thresholds[i]) + "," + csv_number(roc.fpr[i]) + "," + csv_number(roc.tpr[i]) + "\n";
  return out;
}

void write_roc_csv(const std::string& path, const RocCurve& roc) { write_file_atomic(path, roc_csv(roc)); }

void write_evaluation_json(const std::string& path, const Evaluation& evaluation,
                           const std::vector<std::pair<std::string, std::string>>& extra,
                           const std::vector<std::pair<std::string, double>>& numbers) {
  write_file_atomic(path, evaluation_json(evaluation, extra, numbers));
}

void write_evaluation_files(const std::string& dir, const std::string& prefix, const Evaluation& evaluation,
                            const std::vector<PredictionRow>& rows,
                            const std::vector<std::pair<std::string, std::string>>& extra,
                            const std::vector<std::pair<std::string, double>>& numbers) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  check(!ec, "evaluation", "cannot create '", dir, "': ", ec.message());
  const std::string base = (std::filesystem::path(dir) / prefix).string();
  write_predictions_csv(base + "predictions.csv", rows, evaluation.classes);
  write_roc_csv(base + "roc.csv", evaluation.roc);
  write_roc_png(base + "roc.png", evaluation.roc, evaluation.auc);
  write_evaluation_json(base + "metrics.json", evaluation, extra, numbers);
}

}  // namespace msq::metrics
