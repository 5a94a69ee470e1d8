// Learning-rate schedulers over an Optimizer's parameter groups, as torch.optim.lr_scheduler.
// Each remembers every group's initial rate (base_lr) when built and writes groups()[i].lr.
#pragma once
#include <vector>

#include "engine/optim/optimizer.h"

namespace msq::nn {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  // The current rate of every group.
  std::vector<double> last_lr() const;
  int64_t epoch() const { return epoch_; }

 protected:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t epoch_ = 0;
};

// lr = base_lr * gamma ^ floor(epoch / step_size); call step() once per epoch.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  void step();

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / t_max)) / 2 (the closed form of
// CosineAnnealingLR; for epoch > t_max it keeps following the cosine, as PyTorch's).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0);
  void step();

 private:
  int64_t t_max_;
  double eta_min_;
};

// Scales every rate by `factor` when the metric has not improved for `patience` steps
// (threshold relative or absolute, cooldown, min_lr), as ReduceLROnPlateau.
struct PlateauOptions {
  bool maximize = false;  // mode "max" when true, "min" otherwise
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  bool relative_threshold = true;  // threshold_mode "rel" when true, "abs" otherwise
  int64_t cooldown = 0;
  double min_lr = 0.0;
  double eps = 1e-8;  // changes smaller than eps are skipped
};

class ReduceLROnPlateau : public LRScheduler {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options = {});
  void step(double metric);
  int64_t bad_epochs() const { return bad_epochs_; }

 private:
  bool better(double a, double best) const;
  PlateauOptions o_;
  double best_;
  int64_t bad_epochs_ = 0, cooldown_counter_ = 0;
};

}  // namespace msq::nn
