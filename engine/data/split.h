// Train / validation / test splits, as the study: stratified 80/20 into train+val / test,
// then stratified 80/20 of train+val into train / val, with a seed.
//
// Samples are split in groups that never straddle two subsets: byte-identical duplicates
// always form one group; with subject_aware, so do all samples with the same (non-empty)
// Sample::subject (see subjects.h; a sample without a subject id is its own group).
// A group counts toward the class most of its samples have (ties: the smaller label).
//
// Stratification, for one stage with fraction f over N candidate samples (n_c of class c):
// the stage takes T = ceil(f * N) samples in all (scikit-learn's test-size rounding), and
// T_c per class, floor(f * n_c) plus one for the classes with the largest remainders
// (ties: smaller label) until the T_c sum to T. Per class the groups are shuffled
// (seeded) and taken in order whenever taking one brings the class's count closer to T_c
// (taken when it fits, skipped when it overshoots by more than it helps); up to 64 such
// shuffled passes are tried and the first that lands closest to T_c is kept. With
// singleton groups the first pass hits every T_c exactly; with subjects the result is as
// close as the group sizes allow. One std::mt19937_64 seeded with `seed` drives both
// stages (random.h).
#pragma once
#include <cstdint>
#include <string>

#include "engine/data/dataset.h"

namespace msq::data {

struct SplitOptions {
  uint64_t seed = 42;
  double test_fraction = 0.2;  // of all samples
  double val_fraction = 0.2;   // of train+val
  bool subject_aware = false;  // keep each subject's samples in one subset
};

// Sets Sample::subset of every sample. Needs Sample::duplicate_of (scan_dataset sets it).
void split_dataset(Dataset& dataset, const SplitOptions& options = {});

// The group id of every sample under `options` (the smallest sample index in its group).
std::vector<int64_t> split_groups(const Dataset& dataset, bool subject_aware);

// A one-line summary, e.g. "train 1057 (control 549, ms 508), val 264 (...), test 331 (...)".
std::string split_summary(const Dataset& dataset);

}  // namespace msq::data
