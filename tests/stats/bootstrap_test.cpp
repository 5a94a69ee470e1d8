// Bootstrap intervals: quantiles as NumPy computes them, coverage of the mean's interval,
// and determinism for a seed.
#include <cmath>
#include <random>

#include "engine/stats/bootstrap.h"
#include "test_support.h"

using namespace msq::stats;

TEST_CASE("quantile interpolates linearly, as numpy.percentile") {
  // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = 1, 1.75, 2.5, 3.7, 4
  std::vector<double> v = {4, 1, 3, 2};
  CHECK(quantile(v, 0.0) == 1.0);
  CHECK(quantile(v, 0.25) == doctest::Approx(1.75));
  CHECK(quantile(v, 0.5) == doctest::Approx(2.5));
  CHECK(quantile(v, 0.9) == doctest::Approx(3.7));
  CHECK(quantile(v, 1.0) == 4.0);
  CHECK(std::isnan(quantile({}, 0.5)));
}

TEST_CASE("mean and sample standard deviation") {
  CHECK(mean({1, 2, 3, 4}) == 2.5);
  CHECK(sample_std({1, 2, 3, 4}) == doctest::Approx(std::sqrt(5.0 / 3.0)));
  CHECK(sample_std({5}) == 0.0);
}

TEST_CASE("the 95 % interval of a mean covers the truth about 95 % of the time") {
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> e(1.0);  // mean 1, skewed
  int covered = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> x(60);
    for (double& v : x) v = e(rng);
    Interval ci = bootstrap_mean_interval(x, 400, 0.95, 1000 + t);
    covered += ci.low <= 1.0 && 1.0 <= ci.high;
  }
  MESSAGE("coverage " << covered << " / " << trials);
  CHECK(covered >= 170);  // percentile intervals under-cover a little for skewed data
  CHECK(covered <= 199);
}

TEST_CASE("a seed fixes the interval") {
  std::vector<double> x = {0.1, 0.5, 0.2, 0.9, 0.4, 0.3};
  Interval a = bootstrap_mean_interval(x, 500, 0.9, 5), b = bootstrap_mean_interval(x, 500, 0.9, 5);
  CHECK(a.low == b.low);
  CHECK(a.high == b.high);
  CHECK(a.low < mean(x));
  CHECK(mean(x) < a.high);
  CHECK_THROWS_WITH(bootstrap_mean_interval({}, 10, 0.95, 1), doctest::Contains("[bootstrap]"));
}
