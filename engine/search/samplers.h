// Samplers: where the next trial of a search goes.
//
// sample_random draws every parameter independently: uniform (log-uniform for log
// parameters) over its range, uniform over the int grid and the choices.
//
// sample_tpe is the Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna's
// default TPESampler uses it (independent per parameter; Optuna 3.5's defaults):
// - the first n_startup_trials trials are random (the warm-up);
// - then the finished trials are ranked (complete ones by value, lowest first; pruned ones
//   after them, those that ran more steps first, then by their last reported value), and
//   the best gamma(n) = min(ceil(0.1 n), 25) form the "good" group, the rest the "bad" one;
// - per parameter, each group is a Parzen estimator: a mixture of normals truncated to the
//   range (in log space for log parameters), one per observation plus a prior component
//   (centre of the range, sigma = the range's width, weight prior_weight); observation
//   weights ramp from 1/n up to 1 for all but the 25 newest trials when n >= 25; each
//   sigma is the larger distance to its neighbours (the range's ends included), clipped
//   to [width / min(100, 1 + n), width]. Ints get the mass of their grid cell;
//   categorical parameters a weighted histogram with prior_weight spread over the choices;
// - n_ei_candidates values are drawn from the good estimator and the one with the largest
//   log l(x) - log g(x) (the expected-improvement criterion) is taken.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "engine/search/search_space.h"

namespace msq::search {

// A finished trial as the samplers see it.
struct Observation {
  ParamValues params;
  double value = 0;        // the objective (complete) or the last reported value (pruned)
  bool complete = true;    // false: pruned
  int64_t last_step = 0;   // pruned: the step it was stopped at
  int64_t number = 0;      // trial number (age, for the weights)
};

struct TpeOptions {
  int64_t n_startup_trials = 10;
  int64_t n_ei_candidates = 24;
  double prior_weight = 1.0;
};

ParamValues sample_random(const SearchSpace& space, std::mt19937_64& rng);
ParamValues sample_tpe(const SearchSpace& space, const std::vector<Observation>& history, const TpeOptions& options,
                       std::mt19937_64& rng);

}  // namespace msq::search
