#include "apps/common/protocol_report.h"

#include <algorithm>
#include <array>
#include <optional>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "apps/common/study_results.h"
#include "engine/io/atomic_file.h"
#include "engine/metrics/classification.h"
#include "engine/metrics/roc.h"
#include "engine/metrics/roc_panels.h"
#include "engine/stats/stats.h"

namespace msq::apps {

using nlohmann::json;

namespace {

const char* kMetrics[] = {"accuracy", "precision", "recall", "f1", "auc"};
constexpr int kNumMetrics = 5;

// The five metrics of one run on the given test indices (all when idx is null).
std::array<double, kNumMetrics> run_metrics(const SubsetScores& s, const std::vector<int64_t>* idx) {
  std::vector<int64_t> y, p;
  std::vector<double> sc;
  const size_t n = idx ? idx->size() : s.labels.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = idx ? static_cast<size_t>((*idx)[k]) : k;
    y.push_back(s.labels[i]);
    p.push_back(s.predicted[i]);
    sc.push_back(s.scores[i]);
  }
  metrics::ClassificationReport r = metrics::classification_report(y, p, 2);
  return {r.accuracy, r.precision_weighted, r.recall_weighted, r.f1_weighted, metrics::roc_auc(y, sc)};
}

struct CellStats {
  std::array<std::vector<double>, kNumMetrics> per_seed;
  std::array<double, kNumMetrics> mean{}, std{};
  std::array<stats::Interval, kNumMetrics> ci{};
};

CellStats cell_stats(const ProtocolCell& cell, const ReportOptions& o) {
  CellStats st;
  for (const SeedRun& r : cell.runs) {
    auto m = run_metrics(r.test, nullptr);
    for (int k = 0; k < kNumMetrics; ++k) st.per_seed[k].push_back(m[k]);
  }
  for (int k = 0; k < kNumMetrics; ++k) {
    st.mean[k] = stats::mean(st.per_seed[k]);
    st.std[k] = stats::sample_std(st.per_seed[k]);
  }
  const int64_t n = static_cast<int64_t>(cell.runs.at(0).test.labels.size());
  const int64_t seeds = static_cast<int64_t>(cell.runs.size());
  std::array<std::vector<double>, kNumMetrics> reps;
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<int64_t> pick_seed(0, seeds - 1), pick_item(0, n - 1);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t b = 0; b < o.bootstrap; ++b) {
    std::array<double, kNumMetrics> sum{};
    for (int64_t s = 0; s < seeds; ++s) {
      const SeedRun& run = cell.runs[static_cast<size_t>(seeds == 1 ? 0 : pick_seed(rng))];
      for (int64_t& i : idx) i = pick_item(rng);
      auto m = run_metrics(run.test, &idx);
      for (int k = 0; k < kNumMetrics; ++k) sum[k] += m[k];
    }
    for (int k = 0; k < kNumMetrics; ++k) reps[k].push_back(sum[k] / static_cast<double>(seeds));
  }
  for (int k = 0; k < kNumMetrics; ++k) st.ci[k] = stats::percentile_interval(reps[k], o.confidence);
  return st;
}

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string pct(double v, int digits = 2) {
  if (!std::isfinite(v)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, 100 * v);
  return b;
}

std::string pvalue(double p) {
  char b[32];
  if (p < 1e-4) std::snprintf(b, sizeof b, "%.1e", p);
  else std::snprintf(b, sizeof b, "%.4f", p);
  return b;
}

std::string csv_num(double v) {
  if (!std::isfinite(v)) return "";
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

struct PairTest {
  std::string label;  // seed number or "pooled"
  stats::DeLongTest delong;
  double acc_a = 0, acc_b = 0;
  stats::McNemarResult exact, chi2;
};

// The runs of a and b with the same seeds, and the tests per seed and pooled.
std::vector<PairTest> pair_tests(const ProtocolCell& a, const ProtocolCell& b) {
  std::vector<PairTest> out;
  std::vector<const SeedRun*> ra, rb;
  for (const SeedRun& x : a.runs)
    for (const SeedRun& y : b.runs)
      if (x.seed == y.seed) ra.push_back(&x), rb.push_back(&y);
  if (ra.empty()) return out;
  const std::vector<int64_t>& labels = ra[0]->test.labels;
  std::vector<double> mean_a(labels.size(), 0.0), mean_b(labels.size(), 0.0);
  int64_t sum_b = 0, sum_c = 0;
  double acc_a = 0, acc_b = 0;
  for (size_t k = 0; k < ra.size(); ++k) {
    const SubsetScores &sa = ra[k]->test, &sb = rb[k]->test;
    check(sa.ids == sb.ids, "report", a.model, " and ", b.model, " (seed ", ra[k]->seed,
          ") were tested on different slices: were their splits the same?");
    PairTest t;
    t.label = std::to_string(ra[k]->seed);
    t.delong = stats::delong_test(sa.labels, sa.scores, sb.scores);
    stats::PairedCorrectness pc = stats::paired_correctness(sa.labels, sa.predicted, sb.predicted);
    t.acc_a = static_cast<double>(pc.both_right + pc.only_a_right) / sa.labels.size();
    t.acc_b = static_cast<double>(pc.both_right + pc.only_b_right) / sa.labels.size();
    t.exact = stats::mcnemar_exact(pc.only_a_right, pc.only_b_right);
    t.chi2 = stats::mcnemar_chi2(pc.only_a_right, pc.only_b_right);
    out.push_back(t);
    sum_b += pc.only_a_right;
    sum_c += pc.only_b_right;
    acc_a += t.acc_a / ra.size();
    acc_b += t.acc_b / ra.size();
    for (size_t i = 0; i < labels.size(); ++i) {
      mean_a[i] += sa.scores[i] / ra.size();
      mean_b[i] += sb.scores[i] / ra.size();
    }
  }
  PairTest pooled;
  pooled.label = "pooled";
  pooled.delong = stats::delong_test(labels, mean_a, mean_b);
  pooled.acc_a = acc_a;
  pooled.acc_b = acc_b;
  pooled.exact = stats::mcnemar_exact(sum_b, sum_c);
  pooled.chi2 = stats::mcnemar_chi2(sum_b, sum_c);
  out.push_back(pooled);
  return out;
}

// The seed-averaged scores' ROC of a cell.
metrics::RocSeries mean_roc(const ProtocolCell& c, size_t color) {
  std::vector<double> mean(c.runs[0].test.scores.size(), 0.0);
  for (const SeedRun& r : c.runs)
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += r.test.scores[i] / c.runs.size();
  metrics::RocSeries s;
  s.roc = metrics::roc_curve(c.runs[0].test.labels, mean);
  s.auc = metrics::roc_auc(c.runs[0].test.labels, mean);
  s.color = metrics::series_color(color);
  s.label = display_name(c.model);
  return s;
}

}  // namespace

std::string display_name(const std::string& model) {
  static const std::map<std::string, std::string> names = {
      {"cnn", "CNN"}, {"densenet121", "DenseNet121"}, {"resnet50", "ResNet50"}, {"efficientnet_b3", "EfficientNetB3"}};
  const bool hybrid = model.size() > 1 && model[0] == 'q' && names.count(model.substr(1));
  auto it = names.find(hybrid ? model.substr(1) : model);
  return it == names.end() ? model : (hybrid ? "Q" : "") + it->second;
}

void write_protocol_report(const std::string& dir, const std::vector<ProtocolCell>& cells, const json& provenance,
                           const ReportOptions& o) {
  check(!cells.empty(), "report", "no finished cells to report");
  std::filesystem::create_directories(dir);
  std::vector<std::string> planes;
  for (const ProtocolCell& c : cells)
    if (std::find(planes.begin(), planes.end(), c.plane) == planes.end()) planes.push_back(c.plane);

  json report = {{"format", "msq-protocol-report"}, {"version", 1}, {"provenance", provenance},
                 {"settings", o.settings}, {"bootstrap", {{"replicates", o.bootstrap}, {"confidence", o.confidence},
                                                         {"seed", o.seed}, {"method", "percentile, seeds x test slices"}}},
                 {"cells", json::array()}, {"pairs", json::array()}};
  std::string md = "# msq protocol report\n\n";
  md += "The study's Tables 2 and 3 format, on the test split: mean ± standard deviation over the seeds, "
        "in percent, with the " + pct(o.confidence, 0) + " % bootstrap interval in brackets (" +
        std::to_string(o.bootstrap) + " replicates over seeds and test slices). Precision, recall and F1 are "
        "weighted averages (scikit-learn's `average='weighted'`), as in the study. Configurations were chosen on "
        "the validation split only. The study's columns are its published numbers (single runs).\n\n";
  md += "## Provenance\n\n";
  for (auto it = provenance.begin(); it != provenance.end(); ++it)
    md += "- " + it.key() + ": `" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()) + "`\n";
  for (auto it = o.settings.begin(); it != o.settings.end(); ++it)
    md += "- " + it.key() + ": `" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()) + "`\n";
  md += "\n";

  std::string csv = "plane,model,metric,mean,std,ci_low,ci_high,seeds,study\n";
  std::string tests_csv = "plane,classical,hybrid,seed,auc_classical,auc_hybrid,auc_difference,delong_z,delong_p,"
                          "acc_classical,acc_hybrid,mcnemar_b,mcnemar_c,mcnemar_exact_p,mcnemar_chi2,mcnemar_chi2_p\n";
  std::vector<metrics::RocPanel> panels;
  for (const std::string& plane : planes) {
    const size_t n_test = [&] {
      for (const ProtocolCell& c : cells)
        if (c.plane == plane && !c.runs.empty()) return c.runs[0].test.labels.size();
      return size_t(0);
    }();
    md += "## " + std::string(1, static_cast<char>(std::toupper(plane[0]))) + plane.substr(1) + " plane (" +
          std::to_string(n_test) + " test slices)\n\n";
    md += "| model | seeds | accuracy | precision (w) | recall (w) | F1 (w) | AUC | study accuracy | study AUC |\n";
    md += "|---|---|---|---|---|---|---|---|---|\n";
    for (const ProtocolCell& c : cells) {
      if (c.plane != plane || c.runs.empty()) continue;
      CellStats st = cell_stats(c, o);
      std::optional<StudyNumbers> ref = study_numbers(c.model, c.plane);
      md += "| " + display_name(c.model) + " | " + std::to_string(c.runs.size());
      json jc = {{"model", c.model}, {"plane", c.plane}, {"config", c.config}, {"seeds", json::array()}, {"metrics", json::object()}};
      for (const SeedRun& r : c.runs) jc["seeds"].push_back(r.seed);
      for (int k = 0; k < kNumMetrics; ++k) {
        md += " | " + pct(st.mean[k]) + " ± " + pct(st.std[k]) + " [" + pct(st.ci[k].low, 1) + ", " + pct(st.ci[k].high, 1) + "]";
        double study = !ref ? NAN : (k == 0 ? ref->accuracy / 100 : (k == 4 ? ref->auc / 100 : NAN));
        jc["metrics"][kMetrics[k]] = {{"mean", num(st.mean[k])}, {"std", num(st.std[k])}, {"ci_low", num(st.ci[k].low)},
                                      {"ci_high", num(st.ci[k].high)}, {"per_seed", json::array()}, {"study", num(study)}};
        for (double v : st.per_seed[k]) jc["metrics"][kMetrics[k]]["per_seed"].push_back(num(v));
        csv += plane + "," + c.model + "," + kMetrics[k] + "," + csv_num(st.mean[k]) + "," + csv_num(st.std[k]) + "," +
               csv_num(st.ci[k].low) + "," + csv_num(st.ci[k].high) + "," + std::to_string(c.runs.size()) + "," +
               csv_num(study) + "\n";
      }
      md += " | " + (ref ? pct(ref->accuracy / 100) : std::string("-")) + " | " + (ref ? pct(ref->auc / 100) : std::string("-")) + " |\n";
      report["cells"].push_back(jc);
    }
    md += "\n";

    // The classical / hybrid pairs of this plane.
    std::string pair_md;
    for (const ProtocolCell& a : cells) {
      if (a.plane != plane || a.runs.empty() || (a.model.size() > 1 && a.model[0] == 'q')) continue;
      for (const ProtocolCell& b : cells) {
        if (b.plane != plane || b.model != "q" + a.model || b.runs.empty()) continue;
        std::vector<PairTest> tests = pair_tests(a, b);
        json jp = {{"plane", plane}, {"classical", a.model}, {"hybrid", b.model}, {"tests", json::array()}};
        for (const PairTest& t : tests) {
          pair_md += "| " + display_name(a.model) + " / " + display_name(b.model) + " | " + t.label + " | " +
                     pct(t.delong.auc_a) + " | " + pct(t.delong.auc_b) + " | " + pct(t.delong.difference) + " | " +
                     csv_num(t.delong.z) + " | " + pvalue(t.delong.p_value) + " | " + pct(t.acc_a) + " | " + pct(t.acc_b) +
                     " | " + std::to_string(t.exact.b) + " / " + std::to_string(t.exact.c) + " | " +
                     pvalue(t.exact.p_value) + " | " + pvalue(t.chi2.p_value) + " |\n";
          jp["tests"].push_back({{"seed", t.label},
                                 {"delong", {{"auc_classical", t.delong.auc_a}, {"auc_hybrid", t.delong.auc_b},
                                             {"difference", t.delong.difference}, {"std_error", t.delong.std_error},
                                             {"z", t.delong.z}, {"p_value", t.delong.p_value}}},
                                 {"accuracy_classical", t.acc_a}, {"accuracy_hybrid", t.acc_b},
                                 {"mcnemar", {{"only_classical_right", t.exact.b}, {"only_hybrid_right", t.exact.c},
                                              {"exact_p_value", t.exact.p_value}, {"chi2", t.chi2.statistic},
                                              {"chi2_p_value", t.chi2.p_value}}}});
          tests_csv += plane + "," + a.model + "," + b.model + "," + t.label + "," + csv_num(t.delong.auc_a) + "," +
                       csv_num(t.delong.auc_b) + "," + csv_num(t.delong.difference) + "," + csv_num(t.delong.z) + "," +
                       csv_num(t.delong.p_value) + "," + csv_num(t.acc_a) + "," + csv_num(t.acc_b) + "," +
                       std::to_string(t.exact.b) + "," + std::to_string(t.exact.c) + "," + csv_num(t.exact.p_value) + "," +
                       csv_num(t.chi2.statistic) + "," + csv_num(t.chi2.p_value) + "\n";
        }
        report["pairs"].push_back(jp);
        panels.push_back({display_name(a.model) + " VS " + display_name(b.model) + " " + plane, {mean_roc(a, 0), mean_roc(b, 1)}});
      }
    }
    if (!pair_md.empty()) {
      md += "Classical vs hybrid (" + plane + "): DeLong's test on the AUCs (z > 0: the classical model's AUC is "
            "higher), McNemar's test on the accuracies (b = slices only the classical model gets right, c = only "
            "the hybrid); p two-sided. \"pooled\": DeLong on the seed-averaged probabilities, McNemar on the counts "
            "summed over seeds (descriptive: the seeds share the test slices).\n\n";
      md += "| pair | seed | AUC classical | AUC hybrid | ΔAUC | DeLong z | DeLong p | acc classical | acc hybrid | "
            "McNemar b / c | exact p | χ² p (corrected) |\n";
      md += "|---|---|---|---|---|---|---|---|---|---|---|---|\n" + pair_md + "\n";
    }
  }
  if (!panels.empty()) {
    metrics::write_roc_panels_png(dir + "/roc-pairs.png", panels, 2);
    md += "![ROC curves of each classical / hybrid pair (seed-averaged probabilities)](roc-pairs.png)\n\n";
  }
  md += "Files: `report.csv` (metrics), `report-tests.csv` (pairwise tests), `report.json` (everything, per seed).\n";
  write_file_atomic(dir + "/report.md", md);
  write_file_atomic(dir + "/report.csv", csv);
  write_file_atomic(dir + "/report-tests.csv", tests_csv);
  write_file_atomic(dir + "/report.json", report.dump(2) + "\n");
}

}  // namespace msq::apps
