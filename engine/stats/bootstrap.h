// Percentile bootstrap intervals. A replicate resamples indices with replacement
// (std::mt19937_64 seeded by the caller: a seed fixes the interval) and evaluates the
// statistic on them; the interval is the (1 - c) / 2 and (1 + c) / 2 quantiles of the
// replicates, with NumPy's default ("linear") interpolation, as
// scipy.stats.bootstrap(method = "percentile") computes it.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace msq::stats {

struct Interval {
  double low = 0, high = 0;
};

// The q-quantile (q in [0, 1]) of the values, NumPy's percentile(method = "linear"):
// position q (n - 1) in the sorted values, linearly interpolated. NaN values are dropped.
double quantile(std::vector<double> values, double q);

// The percentile interval of the replicates at the given confidence (e.g. 0.95).
Interval percentile_interval(const std::vector<double>& replicates, double confidence);

// `replicates` evaluations of statistic(indices), each on n indices drawn from [0, n)
// with replacement.
std::vector<double> bootstrap_replicates(int64_t n, int64_t replicates, uint64_t seed,
                                         const std::function<double(const std::vector<int64_t>&)>& statistic);

// The percentile interval of the mean of x.
Interval bootstrap_mean_interval(const std::vector<double>& x, int64_t replicates, double confidence, uint64_t seed);

// Mean and sample standard deviation (n - 1 divisor; 0 for fewer than 2 values).
double mean(const std::vector<double>& x);
double sample_std(const std::vector<double>& x);

}  // namespace msq::stats
