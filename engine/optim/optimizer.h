// Optimisers over parameter groups (a group may have its own learning rate and weight
// decay, e.g. a smaller rate for a pretrained backbone). The update is fused: each group's
// parameters of one device and dtype go to the backend as one list (Backend::
// adam_step_multi, sgd_step_multi), which the CPU runs tensor by tensor and the GPU in one
// launch.
//
// The staged form (set_staged), for steps captured in a CUDA graph (engine/train/
// graph_step.h): the values that change from step to step (learning rates; Adam's step counts
// and bias corrections) live in a small float64 tensor on the parameters' device that stage()
// writes from the host before each step, and step() launches kernels that read them there when
// they run, so a replayed graph applies the current learning rate and bias correction. In this
// form stage() counts the step (for every parameter, gradient or not) and step() changes no
// host state once the optimiser's buffers exist. The updates are bit for bit the plain form's:
// the same doubles, computed on the host by the same function (kernels/common/optim_math.h).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace msq {

struct ParamGroup {
  std::vector<Tensor> params;
  double lr = 1e-3;
  double weight_decay = 0.0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies one update from the parameters' accumulated gradients (parameters without a
  // gradient are skipped).
  virtual void step() = 0;
  // Drops the accumulated gradients (set to undefined, as set_to_none in PyTorch), or with
  // set_to_none = false zeroes them in place (one fill per device and dtype: one launch on
  // the GPU), keeping their memory for the next backward.
  void zero_grad(bool set_to_none = true);
  std::vector<ParamGroup>& groups() { return groups_; }
  // Sets the learning rate of every group (schedulers scale groups themselves).
  void set_lr(double lr);
  // The staged form (above); every parameter on one device. Off by default.
  void set_staged(bool staged) { staged_ = staged; }
  bool staged() const { return staged_; }
  // Staged form: counts the next step and writes its scalars to the device (queued with the
  // kernels, Backend::write_from_host: call it before the step or the graph replay, never
  // inside a capture, which would bake the values into the graph).
  virtual void stage() = 0;
  // Per-parameter state ("<group>.<index>.<name>") and step counts, for checkpoints.
  virtual std::map<std::string, Tensor> state() const = 0;
  virtual void load_state(const std::map<std::string, Tensor>& state) = 0;

 protected:
  explicit Optimizer(std::vector<ParamGroup> groups);
  // The staged form's tensor: float64 `shape` on the parameters' device, created by the first
  // call (and then kept: a captured graph holds its address), filled from `values`.
  void write_staged(const std::vector<double>& values, const Shape& shape, const char* op);
  // Row `row` of the staged tensor, for a kernel (fails naming `op` before the first stage()).
  StridedView staged_row(int64_t row, const char* op) const;
  std::vector<ParamGroup> groups_;
  bool staged_ = false;
  Tensor staged_values_;
};

struct SGDOptions {
  double lr = 1e-2;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class SGD final : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  // Each group's lr and weight_decay override options'.
  SGD(std::vector<ParamGroup> groups, SGDOptions options);
  void step() override;
  void stage() override;  // staged: [groups, 1], each group's learning rate
  std::map<std::string, Tensor> state() const override;
  void load_state(const std::map<std::string, Tensor>& state) override;

 private:
  SGDOptions options_;
  std::vector<std::vector<Tensor>> momentum_;  // [group][param], undefined until first step
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // Adam: added to the gradient (L2); AdamW: decoupled decay
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  Adam(std::vector<ParamGroup> groups, AdamOptions options);
  void step() override;
  // staged: [parameters, 3], each one's [lr, lr / (1 - beta1^t), 1 / sqrt(1 - beta2^t)]
  void stage() override;
  std::map<std::string, Tensor> state() const override;
  void load_state(const std::map<std::string, Tensor>& state) override;

 protected:
  Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled);

 private:
  AdamOptions options_;
  bool decoupled_;
  std::vector<std::vector<Tensor>> exp_avg_, exp_avg_sq_;
  std::vector<std::vector<int64_t>> steps_;
};

// Adam with decoupled weight decay (Loshchilov & Hutter). Set options.weight_decay
// yourself: PyTorch's AdamW defaults to 0.01, AdamOptions to 0.
class AdamW final : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamOptions options);
  AdamW(std::vector<ParamGroup> groups, AdamOptions options);
};

// lambda * sum of squared entries of every tensor: the study's L2 term, added to the loss.
Tensor l2_penalty(const std::vector<Tensor>& params, double lambda);

}  // namespace msq
