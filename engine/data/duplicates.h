// Byte-identical duplicates: files with equal size and FNV-1a hash whose bytes compare
// equal. Splits keep each duplicate group on one side (split.h).
#pragma once
#include "engine/data/dataset.h"

namespace msq::data {

// Sets Sample::duplicate_of for every sample: the index of the first sample (in dataset
// order) with identical bytes, or -1 for the first of a group and for unique files. Needs
// Sample::hash and Sample::bytes; reads the candidate files again to confirm.
void mark_duplicates(Dataset& dataset);

// The number of samples that duplicate an earlier one.
int64_t count_duplicates(const Dataset& dataset);

}  // namespace msq::data
