// McNemar's test against published worked examples and hand-computed binomial tails.
#include <cmath>

#include "engine/stats/mcnemar.h"
#include "test_support.h"

using namespace msq::stats;

TEST_CASE("McNemar chi-square: Agresti's presidential approval table") {
  // Agresti, Categorical Data Analysis (2nd ed., 2002), Table 10.1: approval of the
  // president's performance in two surveys of the same 1600 people: 794 approve both times,
  // 150 approve then disapprove, 86 disapprove then approve, 570 disapprove both times.
  // Agresti: z = (86 - 150) / sqrt(86 + 150) = -4.17, z^2 = 17.36, p < 0.001.
  McNemarResult r = mcnemar_chi2(150, 86, /*continuity_correction=*/false);
  CHECK(r.statistic == doctest::Approx(17.3559).epsilon(1e-4));
  CHECK(r.p_value == doctest::Approx(3.09e-5).epsilon(0.02));
  McNemarResult corrected = mcnemar_chi2(150, 86);
  CHECK(corrected.statistic == doctest::Approx(63.0 * 63.0 / 236.0));
  CHECK(corrected.p_value > r.p_value);
}

TEST_CASE("McNemar exact: the binomial tail by hand") {
  // b = 2, c = 8: p = 2 P(Bin(10, 1/2) <= 2) = 2 (1 + 10 + 45) / 1024.
  McNemarResult r = mcnemar_exact(2, 8);
  CHECK(r.statistic == 2);
  CHECK(r.p_value == doctest::Approx(112.0 / 1024.0).epsilon(1e-12));
  CHECK(mcnemar_exact(8, 2).p_value == doctest::Approx(r.p_value).epsilon(1e-12));
  CHECK(mcnemar_exact(5, 5).p_value == 1.0);  // capped at 1
  CHECK(mcnemar_exact(0, 0).p_value == 1.0);
  CHECK(mcnemar_chi2(0, 0).p_value == 1.0);
  // b = 0, c = 12: p = 2 / 4096.
  CHECK(mcnemar_exact(0, 12).p_value == doctest::Approx(2.0 / 4096.0).epsilon(1e-12));
}

TEST_CASE("paired correctness counts the discordant pairs") {
  std::vector<int64_t> y = {1, 1, 0, 0, 1, 0};
  std::vector<int64_t> a = {1, 0, 0, 1, 1, 0};
  std::vector<int64_t> b = {1, 1, 1, 1, 0, 0};
  PairedCorrectness t = paired_correctness(y, a, b);
  CHECK(t.both_right == 2);   // samples 0, 5
  CHECK(t.only_a_right == 2); // samples 2, 4
  CHECK(t.only_b_right == 1); // sample 1
  CHECK(t.both_wrong == 1);   // sample 3
  CHECK_THROWS_WITH(paired_correctness(y, a, {1}), doctest::Contains("[mcnemar]"));
}
