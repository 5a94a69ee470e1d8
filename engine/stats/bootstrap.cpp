#include "engine/stats/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/core/error.h"

namespace msq::stats {

double quantile(std::vector<double> values, double q) {
  check(q >= 0 && q <= 1, "bootstrap", "quantile must be in [0, 1], got ", q);
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

Interval percentile_interval(const std::vector<double>& replicates, double confidence) {
  check(confidence > 0 && confidence < 1, "bootstrap", "confidence must be in (0, 1), got ", confidence);
  const double alpha = 1 - confidence;
  return {quantile(replicates, alpha / 2), quantile(replicates, 1 - alpha / 2)};
}

std::vector<double> bootstrap_replicates(int64_t n, int64_t replicates, uint64_t seed,
                                         const std::function<double(const std::vector<int64_t>&)>& statistic) {
  check(n > 0, "bootstrap", "needs at least one sample");
  check(replicates > 0, "bootstrap", "needs at least one replicate, got ", replicates);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> pick(0, n - 1);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::vector<double> out;
  out.reserve(static_cast<size_t>(replicates));
  for (int64_t r = 0; r < replicates; ++r) {
    for (int64_t& i : idx) i = pick(rng);
    out.push_back(statistic(idx));
  }
  return out;
}

double mean(const std::vector<double>& x) {
  return x.empty() ? std::nan("") : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

double sample_std(const std::vector<double>& x) {
  if (x.size() < 2) return 0;
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size() - 1));
}

Interval bootstrap_mean_interval(const std::vector<double>& x, int64_t replicates, double confidence, uint64_t seed) {
  std::vector<double> reps = bootstrap_replicates(static_cast<int64_t>(x.size()), replicates, seed,
                                                  [&](const std::vector<int64_t>& idx) {
                                                    double s = 0;
                                                    for (int64_t i : idx) s += x[i];
                                                    return s / static_cast<double>(idx.size());
                                                  });
  return percentile_interval(reps, confidence);
}

}  // namespace msq::stats
