#include "engine/stats/mcnemar.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/core/error.h"
#include "engine/stats/distributions.h"

namespace msq::stats {

PairedCorrectness paired_correctness(const std::vector<int64_t>& y_true, const std::vector<int64_t>& pred_a,
                                     const std::vector<int64_t>& pred_b) {
  check(y_true.size() == pred_a.size() && y_true.size() == pred_b.size(), "mcnemar", "y_true has ", y_true.size(),
        " labels, pred_a ", pred_a.size(), ", pred_b ", pred_b.size());
  PairedCorrectness t;
  for (size_t i = 0; i < y_true.size(); ++i) {
    const bool a = pred_a[i] == y_true[i], b = pred_b[i] == y_true[i];
    if (a && b) ++t.both_right;
    else if (a) ++t.only_a_right;
    else if (b) ++t.only_b_right;
    else ++t.both_wrong;
  }
  return t;
}

McNemarResult mcnemar_exact(int64_t b, int64_t c) {
  check(b >= 0 && c >= 0, "mcnemar", "counts must be >= 0, got b = ", b, ", c = ", c);
  McNemarResult r;
  r.b = b;
  r.c = c;
  r.statistic = static_cast<double>(std::min(b, c));
  r.p_value = std::min(1.0, 2.0 * binomial_cdf(std::min(b, c), b + c, 0.5));
  return r;
}

McNemarResult mcnemar_chi2(int64_t b, int64_t c, bool continuity_correction) {
  check(b >= 0 && c >= 0, "mcnemar", "counts must be >= 0, got b = ", b, ", c = ", c);
  McNemarResult r;
  r.b = b;
  r.c = c;
  if (b + c == 0) return r;
  const double d = std::fabs(static_cast<double>(b - c)) - (continuity_correction ? 1.0 : 0.0);
  r.statistic = d * d / static_cast<double>(b + c);
  r.p_value = chi2_1_sf(r.statistic);
  return r;
}

}  // namespace msq::stats
