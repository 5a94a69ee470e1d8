// The median pruner (Optuna's MedianPruner, its defaults): at step s a running trial is
// stopped when its best value so far (lowest: the objective is minimised) is worse than
// the median of the values that the complete trials reported at step s. Nothing is pruned
// before n_startup_trials trials have completed, before step n_warmup_steps, or at a step
// fewer than n_min_trials complete trials reached.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

namespace msq::search {

struct PrunerOptions {
  int64_t n_startup_trials = 5;
  int64_t n_warmup_steps = 0;
  int64_t n_min_trials = 1;
  bool enabled = true;
};

// `running`: the trial's reported values by step; `completed`: those of every complete trial.
bool median_should_prune(const std::map<int64_t, double>& running, int64_t step,
                         const std::vector<std::map<int64_t, double>>& completed, const PrunerOptions& options);

}  // namespace msq::search
