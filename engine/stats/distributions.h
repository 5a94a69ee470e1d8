// The tail probabilities the tests of this folder need, in closed form or by summation:
// the standard normal, the chi-square with one degree of freedom and the binomial.
#pragma once
#include <cstdint>

namespace msq::stats {

// P(Z > z) for a standard normal Z.
double normal_sf(double z);
// P(|Z| >= |z|): the two-sided p-value of a z statistic.
double normal_two_sided_p(double z);
// P(X > x) for X ~ chi-square with 1 degree of freedom (x >= 0).
double chi2_1_sf(double x);
// P(X <= k) for X ~ Binomial(n, p), summed in log space (exact to ~1e-14 for n in the thousands).
double binomial_cdf(int64_t k, int64_t n, double p);

}  // namespace msq::stats
