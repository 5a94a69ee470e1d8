#include "engine/search/samplers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/core/error.h"

namespace msq::search {

namespace {

double uniform(std::mt19937_64& rng, double low, double high) {
  return low + (high - low) * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// A mixture of normals truncated to [low, high] (one parameter, internal coordinates).
struct Parzen {
  std::vector<double> mu, sigma, weight;
  double low = 0, high = 1;

  double log_density(double x) const {
    double s = 0;
    for (size_t k = 0; k < mu.size(); ++k) {
      const double z = normal_cdf((high - mu[k]) / sigma[k]) - normal_cdf((low - mu[k]) / sigma[k]);
      const double d = (x - mu[k]) / sigma[k];
      s += weight[k] * std::exp(-0.5 * d * d) / (sigma[k] * std::sqrt(2 * M_PI) * std::max(z, 1e-300));
    }
    return std::log(std::max(s, 1e-300));
  }
  // The mass of the cell [a, b] (ints).
  double log_mass(double a, double b) const {
    double s = 0;
    for (size_t k = 0; k < mu.size(); ++k) {
      const double z = normal_cdf((high - mu[k]) / sigma[k]) - normal_cdf((low - mu[k]) / sigma[k]);
      s += weight[k] * (normal_cdf((b - mu[k]) / sigma[k]) - normal_cdf((a - mu[k]) / sigma[k])) / std::max(z, 1e-300);
    }
    return std::log(std::max(s, 1e-300));
  }
  double sample(std::mt19937_64& rng) const {
    std::discrete_distribution<size_t> pick(weight.begin(), weight.end());
    const size_t k = pick(rng);
    std::normal_distribution<double> n(mu[k], sigma[k]);
    for (int tries = 0; tries < 1000; ++tries) {
      const double x = n(rng);
      if (x >= low && x <= high) return x;
    }
    return std::clamp(mu[k], low, high);
  }
};

// Optuna's default_weights: a ramp for all but the newest 25 observations.
std::vector<double> age_weights(size_t n) {
  std::vector<double> w(n, 1.0);
  if (n < 25) return w;
  const size_t ramp = n - 25;
  for (size_t i = 0; i < ramp; ++i)
    w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  return w;
}

// `values` in internal coordinates, in trial order (oldest first).
Parzen numeric_parzen(const std::vector<double>& values, double low, double high, double prior_weight) {
  Parzen p;
  p.low = low;
  p.high = high;
  const double width = high - low;
  const size_t n = values.size();
  std::vector<double> w = age_weights(n);
  p.mu = values;
  p.weight = w;
  p.mu.push_back(0.5 * (low + high));
  p.weight.push_back(prior_weight);
  // Sigmas: the larger gap to the sorted neighbours (range ends at both sides).
  std::vector<size_t> order(p.mu.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p.mu[a] < p.mu[b]; });
  p.sigma.assign(p.mu.size(), width);
  const double min_sigma = width / std::min(100.0, 1.0 + static_cast<double>(n));
  for (size_t r = 0; r < order.size(); ++r) {
    const double left = r == 0 ? p.mu[order[r]] - low : p.mu[order[r]] - p.mu[order[r - 1]];
    const double right = r + 1 == order.size() ? high - p.mu[order[r]] : p.mu[order[r + 1]] - p.mu[order[r]];
    p.sigma[order[r]] = std::clamp(std::max(left, right), min_sigma, width);
  }
  p.sigma[n] = width;  // the prior
  const double total = std::accumulate(p.weight.begin(), p.weight.end(), 0.0);
  for (double& x : p.weight) x /= total;
  if (width <= 0) std::fill(p.sigma.begin(), p.sigma.end(), 1.0);
  return p;
}

std::vector<double> categorical_probs(const std::vector<double>& indices, size_t k, double prior_weight) {
  std::vector<double> w = age_weights(indices.size());
  std::vector<double> p(k, prior_weight / static_cast<double>(k));
  for (size_t i = 0; i < indices.size(); ++i) p[static_cast<size_t>(indices[i])] += w[i];
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= total;
  return p;
}

// Ranks the finished trials best first (see the header).
std::vector<const Observation*> ranked(const std::vector<Observation>& history) {
  std::vector<const Observation*> r;
  for (const Observation& o : history)
    if (std::isfinite(o.value)) r.push_back(&o);
  std::stable_sort(r.begin(), r.end(), [](const Observation* a, const Observation* b) {
    if (a->complete != b->complete) return a->complete;
    if (!a->complete && a->last_step != b->last_step) return a->last_step > b->last_step;
    return a->value < b->value;
  });
  return r;
}

}  // namespace

ParamValues sample_random(const SearchSpace& space, std::mt19937_64& rng) {
  ParamValues v;
  for (const ParamSpec& p : space.params) {
    if (p.kind == ParamKind::Categorical) {
      v[p.name] = static_cast<double>(std::uniform_int_distribution<size_t>(0, p.choices.size() - 1)(rng));
    } else if (p.kind == ParamKind::Int && !p.log) {
      const int64_t cells = static_cast<int64_t>(std::floor((p.high - p.low) / p.step + 1e-9));
      v[p.name] = p.low + p.step * static_cast<double>(std::uniform_int_distribution<int64_t>(0, cells)(rng));
    } else {
      double lo, hi;
      internal_range(p, lo, hi);
      v[p.name] = snap_to_grid(p, from_internal(p, uniform(rng, lo, hi)));
    }
  }
  return v;
}

ParamValues sample_tpe(const SearchSpace& space, const std::vector<Observation>& history, const TpeOptions& options,
                       std::mt19937_64& rng) {
  check(options.n_ei_candidates > 0, "tpe", "n_ei_candidates must be > 0");
  std::vector<const Observation*> order = ranked(history);
  if (static_cast<int64_t>(order.size()) < std::max<int64_t>(options.n_startup_trials, 1)) return sample_random(space, rng);
  const size_t n_good = std::min<size_t>(static_cast<size_t>(std::ceil(0.1 * static_cast<double>(order.size()))), 25);
  std::vector<const Observation*> good(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_good));
  std::vector<const Observation*> bad(order.begin() + static_cast<std::ptrdiff_t>(n_good), order.end());
  auto by_age = [](const Observation* a, const Observation* b) { return a->number < b->number; };
  std::sort(good.begin(), good.end(), by_age);
  std::sort(bad.begin(), bad.end(), by_age);

  ParamValues out;
  for (const ParamSpec& p : space.params) {
    auto collect = [&](const std::vector<const Observation*>& group) {
      std::vector<double> xs;
      for (const Observation* o : group) {
        auto it = o->params.find(p.name);
        if (it == o->params.end()) continue;
        xs.push_back(p.kind == ParamKind::Categorical ? it->second : to_internal(p, it->second));
      }
      return xs;
    };
    std::vector<double> g = collect(good), b = collect(bad);
    if (p.kind == ParamKind::Categorical) {
      std::vector<double> pl = categorical_probs(g, p.choices.size(), options.prior_weight);
      std::vector<double> pg = categorical_probs(b, p.choices.size(), options.prior_weight);
      std::discrete_distribution<size_t> pick(pl.begin(), pl.end());
      size_t best = 0;
      double best_score = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < options.n_ei_candidates; ++c) {
        const size_t x = pick(rng);
        const double score = std::log(pl[x]) - std::log(pg[x]);
        if (score > best_score) best_score = score, best = x;
      }
      out[p.name] = static_cast<double>(best);
      continue;
    }
    double lo, hi;
    internal_range(p, lo, hi);
    Parzen l = numeric_parzen(g, lo, hi, options.prior_weight), gm = numeric_parzen(b, lo, hi, options.prior_weight);
    double best = 0, best_score = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < options.n_ei_candidates; ++c) {
      double x = l.sample(rng), score;
      if (p.kind == ParamKind::Int) {
        const double v = snap_to_grid(p, from_internal(p, x));
        double a, z;
        if (p.log) a = std::log(v - 0.5), z = std::log(v + 0.5);
        else a = v - 0.5 * p.step, z = v + 0.5 * p.step;
        score = l.log_mass(a, z) - gm.log_mass(a, z);
        x = v;
      } else {
        score = l.log_density(x) - gm.log_density(x);
        x = std::clamp(from_internal(p, x), p.low, p.high);
      }
      if (score > best_score) best_score = score, best = x;
    }
    out[p.name] = best;
  }
  return out;
}

}  // namespace msq::search
