#include "engine/data/dataset.h"

#include "engine/core/error.h"

namespace msq::data {

const char* subset_name(Subset subset) {
  switch (subset) {
    case Subset::Train: return "train";
    case Subset::Val: return "val";
    case Subset::Test: return "test";
    default: return "none";
  }
}

Subset parse_subset(const std::string& name) {
  if (name == "train") return Subset::Train;
  if (name == "val") return Subset::Val;
  if (name == "test") return Subset::Test;
  fail("subset", "unknown subset '", name, "' (expected train, val or test)");
}

std::string Dataset::file_path(int64_t i) const {
  check(i >= 0 && i < static_cast<int64_t>(samples.size()), "dataset", "sample index ", i,
        " out of range [0, ", samples.size(), ")");
  if (root.empty()) return samples[i].path;
  return root.back() == '/' ? root + samples[i].path : root + "/" + samples[i].path;
}

std::vector<int64_t> Dataset::indices(Subset subset) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < samples.size(); ++i)
    if (samples[i].subset == subset) out.push_back(static_cast<int64_t>(i));
  return out;
}

std::vector<int64_t> Dataset::class_counts(Subset subset) const {
  std::vector<int64_t> counts(classes.size(), 0);
  for (const Sample& s : samples)
    if (subset == Subset::None || s.subset == subset) {
      check(s.label >= 0 && s.label < static_cast<int64_t>(classes.size()), "dataset", "'", s.path,
            "' has label ", s.label, ", expected [0, ", classes.size(), ")");
      ++counts[s.label];
    }
  return counts;
}

}  // namespace msq::data
