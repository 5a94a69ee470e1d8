#include "engine/data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <sstream>

#include "engine/core/error.h"
#include "engine/data/random.h"

namespace msq::data {
namespace {

int64_t find_root(std::vector<int64_t>& parent, int64_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

void unite(std::vector<int64_t>& parent, int64_t a, int64_t b) {
  a = find_root(parent, a);
  b = find_root(parent, b);
  if (a != b) parent[std::max(a, b)] = std::min(a, b);  // the smaller index is the root
}

// Greedy passes per class and stage (split.h).
constexpr int kTrials = 64;

struct Group {
  std::vector<int64_t> members;
  int64_t label = 0;
};

// Per-class targets summing to ceil(f * N); see split.h.
std::vector<int64_t> class_targets(const std::vector<int64_t>& counts, double fraction) {
  int64_t n = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  int64_t total = static_cast<int64_t>(std::ceil(fraction * static_cast<double>(n)));
  std::vector<int64_t> t(counts.size());
  std::vector<std::pair<double, size_t>> rest;
  int64_t sum = 0;
  for (size_t c = 0; c < counts.size(); ++c) {
    double exact = fraction * static_cast<double>(counts[c]);
    t[c] = static_cast<int64_t>(std::floor(exact + 1e-9));
    sum += t[c];
    rest.push_back({-(exact - static_cast<double>(t[c])), c});  // largest remainder first
  }
  std::stable_sort(rest.begin(), rest.end());
  for (size_t k = 0; sum < total && k < rest.size(); ++k)
    if (t[rest[k].second] < counts[rest[k].second]) ++t[rest[k].second], ++sum;
  return t;
}

// Picks groups (of `candidates`) for one stage; returns a flag per candidate group.
std::vector<bool> pick_groups(const std::vector<Group>& groups, const std::vector<size_t>& candidates,
                              size_t num_classes, double fraction, std::mt19937_64& rng) {
  std::vector<int64_t> counts(num_classes, 0);
  for (size_t g : candidates) counts[groups[g].label] += static_cast<int64_t>(groups[g].members.size());
  std::vector<int64_t> target = class_targets(counts, fraction);
  std::vector<bool> picked(groups.size(), false);
  for (size_t c = 0; c < num_classes; ++c) {
    std::vector<size_t> order;
    for (size_t g : candidates)
      if (groups[g].label == static_cast<int64_t>(c)) order.push_back(g);
    // Several shuffled greedy passes; the first that lands closest to the target wins.
    std::vector<size_t> best;
    int64_t best_miss = -1;
    for (int trial = 0; trial < kTrials && best_miss != 0; ++trial) {
      shuffle(order, rng);
      std::vector<size_t> taken;
      int64_t have = 0;
      for (size_t g : order) {
        int64_t size = static_cast<int64_t>(groups[g].members.size());
        if (std::llabs(have + size - target[c]) < std::llabs(have - target[c])) {
          taken.push_back(g);
          have += size;
        }
      }
      if (best_miss < 0 || std::llabs(have - target[c]) < best_miss) {
        best_miss = std::llabs(have - target[c]);
        best = taken;
      }
    }
    for (size_t g : best) picked[g] = true;
  }
  return picked;
}

}  // namespace

std::vector<int64_t> split_groups(const Dataset& d, bool subject_aware) {
  const int64_t n = static_cast<int64_t>(d.samples.size());
  std::vector<int64_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  std::map<std::string, int64_t> first_of_subject;
  for (int64_t i = 0; i < n; ++i) {
    const Sample& s = d.samples[i];
    if (s.duplicate_of >= 0) {
      check(s.duplicate_of < n, "split", "'", s.path, "' duplicate_of ", s.duplicate_of, " out of range");
      unite(parent, i, s.duplicate_of);
    }
    if (subject_aware && !s.subject.empty()) {
      auto [it, fresh] = first_of_subject.emplace(s.subject, i);
      if (!fresh) unite(parent, i, it->second);
    }
  }
  std::vector<int64_t> group(n);
  for (int64_t i = 0; i < n; ++i) group[i] = find_root(parent, i);
  return group;
}

void split_dataset(Dataset& d, const SplitOptions& options) {
  check(options.test_fraction >= 0 && options.test_fraction < 1, "split", "test_fraction must be in [0, 1), got ",
        options.test_fraction);
  check(options.val_fraction >= 0 && options.val_fraction < 1, "split", "val_fraction must be in [0, 1), got ",
        options.val_fraction);
  check(!d.samples.empty(), "split", "the dataset at '", d.root, "' has no samples");
  const size_t k = d.classes.size();
  d.class_counts();  // validates the labels

  std::vector<int64_t> group_of = split_groups(d, options.subject_aware);
  std::vector<Group> groups;
  std::map<int64_t, size_t> index_of_root;
  for (size_t i = 0; i < d.samples.size(); ++i) {
    auto [it, fresh] = index_of_root.emplace(group_of[i], groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].members.push_back(static_cast<int64_t>(i));
  }
  for (Group& g : groups) {
    std::vector<int64_t> votes(k, 0);
    for (int64_t i : g.members) ++votes[d.samples[i].label];
    g.label = std::max_element(votes.begin(), votes.end()) - votes.begin();
  }

  std::mt19937_64 rng(options.seed);
  std::vector<size_t> all(groups.size());
  std::iota(all.begin(), all.end(), 0);
  std::vector<bool> test = pick_groups(groups, all, k, options.test_fraction, rng);
  std::vector<size_t> rest;
  for (size_t g : all)
    if (!test[g]) rest.push_back(g);
  std::vector<bool> val = pick_groups(groups, rest, k, options.val_fraction, rng);
  for (size_t g = 0; g < groups.size(); ++g) {
    Subset s = test[g] ? Subset::Test : val[g] ? Subset::Val : Subset::Train;
    for (int64_t i : groups[g].members) d.samples[i].subset = s;
  }
}

std::string split_summary(const Dataset& d) {
  std::ostringstream s;
  const Subset subsets[] = {Subset::Train, Subset::Val, Subset::Test};
  for (int k = 0; k < 3; ++k) {
    std::vector<int64_t> counts = d.class_counts(subsets[k]);
    s << (k ? ", " : "") << subset_name(subsets[k]) << ' '
      << std::accumulate(counts.begin(), counts.end(), int64_t{0}) << " (";
    for (size_t c = 0; c < counts.size(); ++c) s << (c ? ", " : "") << d.classes[c] << ' ' << counts[c];
    s << ')';
  }
  return s.str();
}

}  // namespace msq::data
