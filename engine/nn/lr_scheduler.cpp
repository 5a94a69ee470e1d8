#include "engine/nn/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace msq::nn {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (const ParamGroup& g : optimizer.groups()) base_lrs_.push_back(g.lr);
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> out;
  for (const ParamGroup& g : optimizer_.groups()) out.push_back(g.lr);
  return out;
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  check(step_size > 0, "StepLR", "step_size must be positive, got ", step_size);
}

void StepLR::step() {
  ++epoch_;
  for (size_t i = 0; i < base_lrs_.size(); ++i) {
    optimizer_.groups()[i].lr = base_lrs_[i] * std::pow(gamma_, double(epoch_ / step_size_));
  }
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  check(t_max > 0, "CosineAnnealingLR", "t_max must be positive, got ", t_max);
}

void CosineAnnealingLR::step() {
  ++epoch_;
  const double pi = std::acos(-1.0);
  for (size_t i = 0; i < base_lrs_.size(); ++i) {
    optimizer_.groups()[i].lr =
        eta_min_ +
        (base_lrs_[i] - eta_min_) * (1 + std::cos(pi * double(epoch_) / double(t_max_))) / 2;
  }
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options)
    : LRScheduler(optimizer), o_(options) {
  check(o_.factor < 1.0 && o_.factor >= 0.0, "ReduceLROnPlateau", "factor must be in [0, 1), got ",
        o_.factor);
  best_ = o_.maximize ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::better(double a, double best) const {
  if (o_.maximize) {
    return o_.relative_threshold ? a > best * (1 + o_.threshold) : a > best + o_.threshold;
  }
  return o_.relative_threshold ? a < best * (1 - o_.threshold) : a < best - o_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  ++epoch_;
  if (better(metric, best_)) {
    best_ = metric;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    bad_epochs_ = 0;
  }
  if (bad_epochs_ > o_.patience) {
    for (ParamGroup& g : optimizer_.groups()) {
      const double reduced = std::max(g.lr * o_.factor, o_.min_lr);
      if (g.lr - reduced > o_.eps) g.lr = reduced;
    }
    cooldown_counter_ = o_.cooldown;
    bad_epochs_ = 0;
  }
}

}  // namespace msq::nn
