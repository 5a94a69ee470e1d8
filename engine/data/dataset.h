// A labelled image dataset on disk: the records that scanning fills, splitting assigns to
// subsets, and the split manifest stores.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace msq::data {

enum class Subset { None = -1, Train = 0, Val = 1, Test = 2 };

// "train", "val", "test" ("none" for Subset::None).
const char* subset_name(Subset subset);
// The inverse of subset_name (train / val / test); errors name the text.
Subset parse_subset(const std::string& name);

struct Sample {
  std::string path;         // relative to Dataset::root, '/' separated
  int64_t label = 0;        // index into Dataset::classes
  std::string subject;      // subject id ("" when unknown; see subjects.h)
  uint64_t hash = 0;        // 64-bit FNV-1a of the file's bytes
  int64_t bytes = 0;        // file size
  int64_t duplicate_of = -1;  // index of the first byte-identical sample, or -1
  Subset subset = Subset::None;
};

struct Dataset {
  std::string root;                  // the data root the paths are relative to
  std::string layout;                // "kaggle" or "generic"
  std::string plane;                 // "axial" / "sagittal" (kaggle), "" (generic)
  std::vector<std::string> classes;  // label -> class name
  std::vector<Sample> samples;       // sorted by path

  // Absolute (root-joined) path of sample i.
  std::string file_path(int64_t i) const;
  // Indices of the samples in one subset, in dataset order.
  std::vector<int64_t> indices(Subset subset) const;
  // Number of samples of each class in one subset (Subset::None: all samples).
  std::vector<int64_t> class_counts(Subset subset = Subset::None) const;
};

}  // namespace msq::data
