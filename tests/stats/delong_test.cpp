// DeLong's AUC covariance and paired test: the fast mid-rank algorithm against the
// definition (the double sum over positive/negative pairs), and Hanley & McNeil's (1982)
// published rating-scale example.
#include <cmath>
#include <random>

#include "engine/metrics/roc.h"
#include "engine/stats/delong.h"
#include "test_support.h"

using namespace msq::stats;

namespace {

double psi(double x, double y) { return x > y ? 1.0 : (x == y ? 0.5 : 0.0); }

// DeLong et al.'s structural components by their definition, O(mn).
DeLongAucs delong_by_definition(const std::vector<int64_t>& labels, const std::vector<std::vector<double>>& scores) {
  std::vector<size_t> pos, neg;
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] ? pos : neg).push_back(i);
  const double m = pos.size(), n = neg.size();
  const size_t k = scores.size();
  std::vector<std::vector<double>> v10(k), v01(k);
  DeLongAucs out;
  for (size_t r = 0; r < k; ++r) {
    double total = 0;
    for (size_t i : pos) {
      double s = 0;
      for (size_t j : neg) s += psi(scores[r][i], scores[r][j]);
      v10[r].push_back(s / n);
      total += s;
    }
    for (size_t j : neg) {
      double s = 0;
      for (size_t i : pos) s += psi(scores[r][i], scores[r][j]);
      v01[r].push_back(s / m);
    }
    out.auc.push_back(total / (m * n));
  }
  auto cov = [](const std::vector<double>& a, const std::vector<double>& b) {
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
    ma /= a.size(), mb /= b.size();
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += (a[i] - ma) * (b[i] - mb);
    return s / (a.size() - 1.0);
  };
  out.covariance.assign(k, std::vector<double>(k));
  for (size_t a = 0; a < k; ++a)
    for (size_t b = 0; b < k; ++b) out.covariance[a][b] = cov(v10[a], v10[b]) / m + cov(v01[a], v01[b]) / n;
  return out;
}

}  // namespace

TEST_CASE("mid-ranks average tied ranks") {
  std::vector<double> r = midranks({3.0, 1.0, 3.0, 2.0, 3.0});
  CHECK(r == std::vector<double>{4.0, 1.0, 4.0, 2.0, 4.0});
}

TEST_CASE("the fast algorithm equals the definition, with and without ties") {
  std::mt19937_64 rng(7);
  for (int c = 0; c < 20; ++c) {
    const int n = 10 + static_cast<int>(rng() % 120);
    const int levels = c % 2 ? 6 : 0;
    std::vector<int64_t> y;
    std::vector<std::vector<double>> s(3);
    std::normal_distribution<double> z;
    for (int i = 0; i < n; ++i) {
      int64_t label = i < 3 ? i % 2 : static_cast<int64_t>(rng() % 2);
      y.push_back(label);
      double latent = z(rng) + label;
      for (int r = 0; r < 3; ++r) {
        double v = latent * (0.5 + r * 0.5) + z(rng);
        if (levels) v = std::floor(v * 2) / 2;
        s[r].push_back(v);
      }
    }
    DeLongAucs fast = delong_aucs(y, s), slow = delong_by_definition(y, s);
    for (int r = 0; r < 3; ++r) {
      CHECK(fast.auc[r] == doctest::Approx(slow.auc[r]).epsilon(1e-12));
      CHECK(fast.auc[r] == doctest::Approx(msq::metrics::roc_auc(y, s[r])).epsilon(1e-12));
      for (int q = 0; q < 3; ++q) CHECK(fast.covariance[r][q] == doctest::Approx(slow.covariance[r][q]).epsilon(1e-10));
    }
  }
}

TEST_CASE("Hanley & McNeil (1982): AUC 0.893 of the CT rating example, standard error about 0.032") {
  // Hanley & McNeil, Radiology 143:29-36 (1982), Table 1: 109 CT images rated 1 (definitely
  // normal) to 5 (definitely abnormal); 58 normal: 33 6 6 11 2; 51 abnormal: 3 2 2 11 33.
  // They report an area of 0.893 with standard error 0.032 (their exponential
  // approximation; DeLong's nonparametric estimate on the same data is close to it).
  const int normal[5] = {33, 6, 6, 11, 2}, abnormal[5] = {3, 2, 2, 11, 33};
  std::vector<int64_t> y;
  std::vector<double> rating;
  for (int r = 0; r < 5; ++r) {
    for (int i = 0; i < normal[r]; ++i) y.push_back(0), rating.push_back(r + 1);
    for (int i = 0; i < abnormal[r]; ++i) y.push_back(1), rating.push_back(r + 1);
  }
  DeLongAucs d = delong_aucs(y, {rating});
  CHECK(d.auc[0] == doctest::Approx(2642.0 / 2958.0).epsilon(1e-12));
  CHECK(std::round(d.auc[0] * 1000) == 893);
  const double se = std::sqrt(d.covariance[0][0]);
  MESSAGE("DeLong standard error on Hanley & McNeil's example: " << se);
  CHECK(std::round(se * 100) == 3);  // 0.03 at two decimals, as the published 0.032
  CHECK(std::fabs(se - 0.032) < 0.004);
}

TEST_CASE("paired test: identical classifiers give p = 1; a better one is detected") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z;
  std::vector<int64_t> y;
  std::vector<double> good, weak;
  for (int i = 0; i < 400; ++i) {
    int64_t label = i % 2;
    y.push_back(label);
    double latent = z(rng);
    good.push_back(latent + 2.0 * label);
    weak.push_back(latent + 0.3 * label + z(rng));
  }
  DeLongTest same = delong_test(y, good, good);
  CHECK(same.p_value == 1.0);
  CHECK(same.difference == 0.0);
  DeLongTest t = delong_test(y, good, weak);
  CHECK(t.difference > 0.1);
  CHECK(t.p_value < 1e-6);
  DeLongTest swapped = delong_test(y, weak, good);
  CHECK(swapped.z == doctest::Approx(-t.z));
  CHECK(swapped.p_value == doctest::Approx(t.p_value));
  CHECK_THROWS_WITH(delong_test({1, 1}, {0.1, 0.2}, {0.3, 0.4}), doctest::Contains("[delong] needs both classes"));
}
