#include "engine/stats/delong.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/core/error.h"
#include "engine/stats/distributions.h"

namespace msq::stats {

std::vector<double> midranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j - 1) + 1.0;  // mean of ranks i+1 .. j
    for (size_t t = i; t < j; ++t) ranks[order[t]] = rank;
    i = j;
  }
  return ranks;
}

namespace {

// The sample covariance matrix (n - 1 divisor) of rows[r][sample].
std::vector<std::vector<double>> covariance(const std::vector<std::vector<double>>& rows) {
  const size_t k = rows.size(), n = rows.empty() ? 0 : rows[0].size();
  std::vector<double> mean(k, 0.0);
  for (size_t r = 0; r < k; ++r) mean[r] = std::accumulate(rows[r].begin(), rows[r].end(), 0.0) / n;
  std::vector<std::vector<double>> c(k, std::vector<double>(k, 0.0));
  if (n < 2) return c;
  for (size_t a = 0; a < k; ++a)
    for (size_t b = a; b < k; ++b) {
      double s = 0;
      for (size_t i = 0; i < n; ++i) s += (rows[a][i] - mean[a]) * (rows[b][i] - mean[b]);
      c[a][b] = c[b][a] = s / static_cast<double>(n - 1);
    }
  return c;
}

}  // namespace

DeLongAucs delong_aucs(const std::vector<int64_t>& labels, const std::vector<std::vector<double>>& scores) {
  check(!scores.empty(), "delong", "no classifiers given");
  std::vector<size_t> pos, neg;
  for (size_t i = 0; i < labels.size(); ++i) {
    check(labels[i] == 0 || labels[i] == 1, "delong", "labels must be 0 or 1, got ", labels[i], " at ", i);
    (labels[i] == 1 ? pos : neg).push_back(i);
  }
  check(!pos.empty() && !neg.empty(), "delong", "needs both classes; got ", pos.size(), " positives and ",
        neg.size(), " negatives");
  const size_t m = pos.size(), n = neg.size();
  DeLongAucs out;
  std::vector<std::vector<double>> v10, v01;
  for (size_t r = 0; r < scores.size(); ++r) {
    check(scores[r].size() == labels.size(), "delong", "classifier ", r, " has ", scores[r].size(),
          " scores for ", labels.size(), " labels");
    std::vector<double> x, y, z;
    for (size_t i : pos) x.push_back(scores[r][i]);
    for (size_t j : neg) y.push_back(scores[r][j]);
    for (double s : scores[r]) check(std::isfinite(s), "delong", "classifier ", r, " has a non-finite score");
    z = x;
    z.insert(z.end(), y.begin(), y.end());
    std::vector<double> tx = midranks(x), ty = midranks(y), tz = midranks(z);
    std::vector<double> a(m), b(n);
    double rank_sum = 0;
    for (size_t i = 0; i < m; ++i) {
      a[i] = (tz[i] - tx[i]) / static_cast<double>(n);
      rank_sum += tz[i];
    }
    for (size_t j = 0; j < n; ++j) b[j] = 1.0 - (tz[m + j] - ty[j]) / static_cast<double>(m);
    out.auc.push_back((rank_sum - 0.5 * m * (m + 1.0)) / (static_cast<double>(m) * n));
    v10.push_back(std::move(a));
    v01.push_back(std::move(b));
  }
  std::vector<std::vector<double>> s10 = covariance(v10), s01 = covariance(v01);
  const size_t k = scores.size();
  out.covariance.assign(k, std::vector<double>(k, 0.0));
  for (size_t a = 0; a < k; ++a)
    for (size_t b = 0; b < k; ++b) out.covariance[a][b] = s10[a][b] / m + s01[a][b] / n;
  return out;
}

DeLongTest delong_test(const std::vector<int64_t>& labels, const std::vector<double>& scores_a,
                       const std::vector<double>& scores_b) {
  DeLongAucs d = delong_aucs(labels, {scores_a, scores_b});
  DeLongTest t;
  t.auc_a = d.auc[0];
  t.auc_b = d.auc[1];
  t.difference = t.auc_a - t.auc_b;
  const double var = d.covariance[0][0] + d.covariance[1][1] - 2 * d.covariance[0][1];
  t.std_error = std::sqrt(std::max(var, 0.0));
  if (t.std_error > 0) {
    t.z = t.difference / t.std_error;
    t.p_value = normal_two_sided_p(t.z);
  } else {
    t.z = 0;
    t.p_value = t.difference == 0 ? 1.0 : 0.0;
  }
  return t;
}

}  // namespace msq::stats
