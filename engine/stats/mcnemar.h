// McNemar's test for two classifiers judged on the same samples: only the discordant
// pairs count, b = samples A gets right and B wrong, c = the reverse. As statsmodels 0.14's
// statsmodels.stats.contingency_tables.mcnemar:
//   exact:      statistic = min(b, c), p = min(1, 2 * P(Binomial(b + c, 1/2) <= min(b, c)))
//   chi-square: statistic = (|b - c| - 1)^2 / (b + c) with the continuity correction
//               ((b - c)^2 / (b + c) without), p = P(chi2_1 > statistic)
// With b + c = 0 there is no evidence either way: p = 1, statistic = 0 (statsmodels gives
// p = 1 for the exact test and NaN for the chi-square).
#pragma once
#include <cstdint>
#include <vector>

namespace msq::stats {

// The 2x2 table of correctness of A (rows) and B (columns).
struct PairedCorrectness {
  int64_t both_right = 0;
  int64_t only_a_right = 0;  // b
  int64_t only_b_right = 0;  // c
  int64_t both_wrong = 0;
};

// Errors: different lengths.
PairedCorrectness paired_correctness(const std::vector<int64_t>& y_true, const std::vector<int64_t>& pred_a,
                                     const std::vector<int64_t>& pred_b);

struct McNemarResult {
  int64_t b = 0, c = 0;
  double statistic = 0;
  double p_value = 1;
};

McNemarResult mcnemar_exact(int64_t b, int64_t c);
McNemarResult mcnemar_chi2(int64_t b, int64_t c, bool continuity_correction = true);

}  // namespace msq::stats
