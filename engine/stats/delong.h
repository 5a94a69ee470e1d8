// DeLong, DeLong & Clarke-Pearson (1988): the AUC of one or more classifiers scored on the
// same samples, with the covariance of the AUC estimates from their structural components,
// computed by Sun & Xu's (2014) fast algorithm (mid-ranks, O(k n log n) for k classifiers).
//
// For m positives X_i and n negatives Y_j of classifier r (labels 1 / 0; higher score =
// more likely positive), with psi(x, y) = 1 if x > y, 1/2 if x = y, 0 otherwise:
//   AUC_r   = (1 / mn) sum_ij psi(X_i, Y_j)           (= roc_auc, ties count one half)
//   V10_r(i) = (1 / n) sum_j psi(X_i, Y_j)            (one per positive)
//   V01_r(j) = (1 / m) sum_i psi(X_i, Y_j)            (one per negative)
//   S = S10 / m + S01 / n,  S10 / S01 = the k x k sample covariances (n - 1 divisor) of V10 / V01
// Mid-ranks give V10 and V01 without the double sum: with T_z the mid-ranks over all
// m + n scores and T_x (T_y) those within the positives (negatives),
//   V10(i) = (T_z(i) - T_x(i)) / n,   V01(j) = 1 - (T_z(m + j) - T_y(j)) / m.
// The paired test of AUC_a = AUC_b: z = (AUC_a - AUC_b) / sqrt(S_aa + S_bb - 2 S_ab), p two-sided
// (pROC's roc.test(method = "delong", paired = TRUE)).
#pragma once
#include <cstdint>
#include <vector>

namespace msq::stats {

// The mid-ranks (1-based, ties get the mean of their ranks) of the values.
std::vector<double> midranks(const std::vector<double>& values);

struct DeLongAucs {
  std::vector<double> auc;                      // one per classifier
  std::vector<std::vector<double>> covariance;  // k x k, S above
};

// scores[r] = the scores of classifier r on every sample, in the order of labels (0 / 1).
// Errors: no positives or no negatives (the AUC is undefined), a score row of another
// length, labels other than 0 / 1, non-finite scores.
DeLongAucs delong_aucs(const std::vector<int64_t>& labels, const std::vector<std::vector<double>>& scores);

struct DeLongTest {
  double auc_a = 0, auc_b = 0;
  double difference = 0;   // auc_a - auc_b
  double std_error = 0;    // of the difference
  double z = 0;
  double p_value = 1;      // two-sided; 1 when the difference has zero variance and is zero
};

DeLongTest delong_test(const std::vector<int64_t>& labels, const std::vector<double>& scores_a,
                       const std::vector<double>& scores_b);

}  // namespace msq::stats
