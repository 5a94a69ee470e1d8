// Subject ids from file names, for subject-aware splits.
//
// The rule: search `pattern` (ECMAScript regex, case-insensitive) in the file name without
// folder and extension; the subject id is capture group 1 (the whole match when the pattern
// has no group), lower-cased with runs of blanks collapsed to one space. No match, or an
// empty id, means "no subject id".
//
// The default pattern fits the Kaggle control names: `kontrol 12 (7)` -> "kontrol 12",
// `kontrol 35 s (2)` -> "kontrol 35", `kontrl 9 (3)` -> "kontrl 9",
// `kontrol aks (5)` -> "kontrol aks", `kontrol  (4)` -> "kontrol" (the unnumbered control
// files form one group: their subjects are unknown, so they are kept together). MS names
// (`A1 (n)`, `S1 (n)`) carry no subject id.
//
// ungrouped_block > 0 groups the files without a subject id by a documented proxy: a name
// ending in "(n)" gets the id "<prefix>#<(n - 1) / block>" (integer division), i.e. blocks
// of `block` consecutive slice numbers, on the assumption that the slices of one subject
// are numbered consecutively (not verified for the Kaggle MS files: a proxy, no more).
// Files that still have no id are each their own group.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace msq::data {

inline constexpr const char* kDefaultSubjectPattern = R"(^(kontro?l(?:\s+(?:\d+|aks))?))";

struct SubjectOptions {
  std::string pattern = kDefaultSubjectPattern;
  int64_t ungrouped_block = 0;
};

class SubjectRule {
 public:
  // Compiles the pattern; a bad pattern is an error naming it.
  explicit SubjectRule(const SubjectOptions& options = {});
  ~SubjectRule();
  // The subject id of a file (a path or a bare name), "" when it has none.
  std::string operator()(const std::string& file) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t block_ = 0;
};

}  // namespace msq::data
