#include "engine/data/duplicates.h"

#include <map>
#include <utility>
#include <vector>

#include "engine/io/atomic_file.h"

namespace msq::data {

void mark_duplicates(Dataset& dataset) {
  std::map<std::pair<uint64_t, int64_t>, std::vector<int64_t>> by_key;
  for (size_t i = 0; i < dataset.samples.size(); ++i) {
    Sample& s = dataset.samples[i];
    s.duplicate_of = -1;
    by_key[{s.hash, s.bytes}].push_back(static_cast<int64_t>(i));
  }
  for (auto& [key, members] : by_key) {
    if (members.size() < 2) continue;
    // Confirm by bytes: each member joins the first earlier representative it equals.
    std::vector<std::pair<int64_t, std::string>> reps;
    for (int64_t i : members) {
      std::string bytes = read_file(dataset.file_path(i));
      bool joined = false;
      for (auto& [rep, rep_bytes] : reps)
        if (rep_bytes == bytes) {
          dataset.samples[i].duplicate_of = rep;
          joined = true;
          break;
        }
      if (!joined) reps.emplace_back(i, std::move(bytes));
    }
  }
}

int64_t count_duplicates(const Dataset& dataset) {
  int64_t n = 0;
  for (const Sample& s : dataset.samples) n += s.duplicate_of >= 0;
  return n;
}

}  // namespace msq::data
