#include "engine/search/median_pruner.h"

#include <algorithm>
#include <cmath>

namespace msq::search {

bool median_should_prune(const std::map<int64_t, double>& running, int64_t step,
                         const std::vector<std::map<int64_t, double>>& completed, const PrunerOptions& options) {
  if (!options.enabled || static_cast<int64_t>(completed.size()) < options.n_startup_trials) return false;
  if (step < options.n_warmup_steps) return false;
  double best = INFINITY;
  for (const auto& [s, v] : running)
    if (s <= step && !std::isnan(v)) best = std::min(best, v);
  if (std::isinf(best) && best > 0) return false;  // nothing reported yet
  std::vector<double> at_step;
  for (const auto& trial : completed) {
    auto it = trial.find(step);
    if (it != trial.end() && !std::isnan(it->second)) at_step.push_back(it->second);
  }
  if (static_cast<int64_t>(at_step.size()) < std::max<int64_t>(options.n_min_trials, 1)) return false;
  std::sort(at_step.begin(), at_step.end());
  const size_t n = at_step.size();
  const double median = n % 2 ? at_step[n / 2] : 0.5 * (at_step[n / 2 - 1] + at_step[n / 2]);
  return best > median;
}

}  // namespace msq::search
