#include "engine/stats/distributions.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

namespace msq::stats {

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double normal_two_sided_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

double chi2_1_sf(double x) {
  check(x >= 0 || std::isnan(x), "chi2", "the statistic must be >= 0, got ", x);
  return std::erfc(std::sqrt(x / 2.0));
}

double binomial_cdf(int64_t k, int64_t n, double p) {
  check(n >= 0 && p >= 0 && p <= 1, "binomial", "needs n >= 0 and p in [0, 1], got n = ", n, ", p = ", p);
  if (k < 0) return 0;
  if (k >= n) return 1;
  // Terms are summed from the largest one down, as exp(log term - log max), for accuracy.
  const double lp = std::log(p), lq = std::log1p(-p);
  auto log_term = [&](int64_t i) {
    return std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) + i * lp + (n - i) * lq;
  };
  double top = -INFINITY;
  for (int64_t i = 0; i <= k; ++i) top = std::max(top, log_term(i));
  double s = 0;
  for (int64_t i = 0; i <= k; ++i) s += std::exp(log_term(i) - top);
  return std::min(1.0, std::exp(top + std::log(s)));
}

}  // namespace msq::stats
