#include "engine/optim/optimizer.h"

#include "engine/autograd/grad_mode.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/backend.h"
#include "kernels/common/optim_math.h"

namespace msq {

namespace {

std::vector<ParamGroup> single_group(std::vector<Tensor> params, double lr, double wd) {
  ParamGroup g;
  g.params = std::move(params);
  g.lr = lr;
  g.weight_decay = wd;
  return {g};
}

std::string state_key(size_t group, size_t index, const char* name) {
  return std::to_string(group) + "." + std::to_string(index) + "." + name;
}

void check_param(const Tensor& p, const char* op) {
  check(p.defined() && p.is_leaf() && is_floating(p.dtype()), op,
        "parameters must be floating leaf tensors");
  check(p.is_contiguous(), op, "parameter of shape ", shape_str(p.shape()), " is not contiguous");
}

Tensor contiguous_grad(const Tensor& p) {
  Tensor g = p.grad();
  if (!g.defined()) return g;
  return g.dtype() == p.dtype() ? g.contiguous() : g.to(p.dtype()).contiguous();
}

// Tensors sorted into lists that one backend call can take: same device, same dtype.
template <class Operands>
struct DeviceDTypeLists {
  struct List {
    Device device;
    DType dtype;
    std::vector<Operands> items;
  };
  std::vector<List> lists;

  void add(const Tensor& t, Operands item) {
    for (List& l : lists) {
      if (l.device == t.device() && l.dtype == t.dtype()) {
        l.items.push_back(std::move(item));
        return;
      }
    }
    lists.push_back({t.device(), t.dtype(), {std::move(item)}});
  }
};

}  // namespace

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  for (const ParamGroup& g : groups_) {
    check(g.lr >= 0, "optimizer", "learning rate must be >= 0, got ", g.lr);
    for (const Tensor& p : g.params) check_param(p, "optimizer");
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  if (set_to_none) {
    for (ParamGroup& g : groups_) {
      for (Tensor& p : g.params) p.set_grad(Tensor());
    }
    return;
  }
  NoGradGuard no_grad;
  DeviceDTypeLists<StridedView> fills;
  for (ParamGroup& g : groups_) {
    for (Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (grad.is_contiguous()) fills.add(grad, grad.view_for_kernel());
      else backend(grad.device()).fill(grad.view_for_kernel(), 0.0);
    }
  }
  for (auto& l : fills.lists) backend(l.device).fill_multi(l.items, 0.0);
}

void Optimizer::set_lr(double lr) {
  for (ParamGroup& g : groups_) g.lr = lr;
}

void Optimizer::write_staged(const std::vector<double>& values, const Shape& shape, const char* op) {
  if (!staged_values_.defined()) {
    Device device;
    bool found = false;
    for (const ParamGroup& g : groups_) {
      for (const Tensor& p : g.params) {
        check(!found || p.device() == device, op,
              "the staged form needs every parameter on one device, got ", device.str(), " and ",
              p.device().str());
        device = p.device();
        found = true;
      }
    }
    check(found, op, "the staged form needs parameters");
    staged_values_ = zeros(shape, TensorOptions(DType::Float64).with_device(device));
  }
  check(staged_values_.shape() == shape, op, "the staged values changed shape");
  // Queued with the kernels (the host does not wait for the previous step).
  backend(staged_values_.device())
      .write_from_host(staged_values_.raw_data(), values.data(), values.size() * sizeof(double));
}

StridedView Optimizer::staged_row(int64_t row, const char* op) const {
  check(staged_values_.defined(), op, "a staged step needs stage() before it");
  return staged_values_.narrow(0, row, 1).view_for_kernel();
}

// ---- SGD ------------------------------------------------------------------------------------

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(single_group(std::move(params), options.lr, options.weight_decay), options) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options)
    : Optimizer(std::move(groups)), options_(options) {
  check(!options.nesterov || (options.momentum > 0 && options.dampening == 0), "sgd",
        "Nesterov momentum needs momentum > 0 and dampening 0");
  for (const ParamGroup& g : groups_) momentum_.emplace_back(g.params.size());
}

void SGD::step() {
  NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& group = groups_[gi];
    std::vector<Tensor> grads;  // alive until the backend calls below
    DeviceDTypeLists<SgdOperands> lists;
    for (size_t i = 0; i < group.params.size(); ++i) {
      Tensor& p = group.params[i];
      Tensor g = contiguous_grad(p);
      if (!g.defined()) continue;
      SgdOperands ops;
      if (options_.momentum != 0) {
        if (!momentum_[gi][i].defined()) {
          momentum_[gi][i] = zeros_like(p);
          ops.first = true;
        }
        ops.momentum_buffer = momentum_[gi][i].view_for_kernel();
      }
      ops.param = p.view_for_kernel();
      ops.grad = g.view_for_kernel();
      if (staged_) ops.staged_lr = staged_row(static_cast<int64_t>(gi), "sgd");
      grads.push_back(g);
      lists.add(p, ops);
    }
    for (auto& l : lists.lists) {
      backend(l.device).sgd_step_multi(l.items, group.lr, options_.momentum, options_.dampening,
                                       group.weight_decay, options_.nesterov);
    }
  }
}

void SGD::stage() {
  check(staged_, "sgd", "stage() needs the staged form (set_staged(true))");
  std::vector<double> lrs;
  for (const ParamGroup& g : groups_) lrs.push_back(g.lr);
  write_staged(lrs, {static_cast<int64_t>(lrs.size()), 1}, "sgd");
}

std::map<std::string, Tensor> SGD::state() const {
  std::map<std::string, Tensor> s;
  for (size_t gi = 0; gi < momentum_.size(); ++gi) {
    for (size_t i = 0; i < momentum_[gi].size(); ++i) {
      if (momentum_[gi][i].defined()) s[state_key(gi, i, "momentum_buffer")] = momentum_[gi][i];
    }
  }
  return s;
}

void SGD::load_state(const std::map<std::string, Tensor>& state) {
  for (size_t gi = 0; gi < momentum_.size(); ++gi) {
    for (size_t i = 0; i < momentum_[gi].size(); ++i) {
      auto it = state.find(state_key(gi, i, "momentum_buffer"));
      momentum_[gi][i] = it == state.end() ? Tensor()
                                           : it->second.to(groups_[gi].params[i].device()).clone();
    }
  }
}

// ---- Adam / AdamW ---------------------------------------------------------------------------

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(single_group(std::move(params), options.lr, options.weight_decay), options, false) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), options, false) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled)
    : Optimizer(std::move(groups)), options_(options), decoupled_(decoupled) {
  check(options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1,
        decoupled ? "adamw" : "adam", "betas must be in [0, 1), got (", options.beta1, ", ",
        options.beta2, ")");
  for (const ParamGroup& g : groups_) {
    exp_avg_.emplace_back(g.params.size());
    exp_avg_sq_.emplace_back(g.params.size());
    steps_.emplace_back(g.params.size(), 0);
  }
}

void Adam::step() {
  NoGradGuard no_grad;
  int64_t row = 0;  // the parameter's row of the staged values
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& group = groups_[gi];
    std::vector<Tensor> grads;  // alive until the backend calls below
    DeviceDTypeLists<AdamOperands> lists;
    for (size_t i = 0; i < group.params.size(); ++i, ++row) {
      Tensor& p = group.params[i];
      Tensor g = contiguous_grad(p);
      if (!g.defined()) continue;
      if (!exp_avg_[gi][i].defined()) {
        exp_avg_[gi][i] = zeros_like(p);
        exp_avg_sq_[gi][i] = zeros_like(p);
      }
      AdamOperands ops;
      ops.param = p.view_for_kernel();
      ops.grad = g.view_for_kernel();
      ops.exp_avg = exp_avg_[gi][i].view_for_kernel();
      ops.exp_avg_sq = exp_avg_sq_[gi][i].view_for_kernel();
      if (staged_) {
        ops.staged = staged_row(row, decoupled_ ? "adamw" : "adam");  // stage() counted the step
      } else {
        ops.step = ++steps_[gi][i];
      }
      grads.push_back(g);
      lists.add(p, ops);
    }
    for (auto& l : lists.lists) {
      backend(l.device).adam_step_multi(l.items, group.lr, options_.beta1, options_.beta2,
                                        options_.eps, group.weight_decay, decoupled_);
    }
  }
}

void Adam::stage() {
  const char* op = decoupled_ ? "adamw" : "adam";
  check(staged_, op, "stage() needs the staged form (set_staged(true))");
  std::vector<double> values;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& group = groups_[gi];
    for (size_t i = 0; i < group.params.size(); ++i) {
      math::AdamScalars s = math::adam_scalars(group.lr, options_.beta1, options_.beta2,
                                               options_.eps, group.weight_decay, decoupled_,
                                               ++steps_[gi][i]);
      values.resize(values.size() + math::kAdamStagedValues);
      math::adam_staged_values(s, values.data() + values.size() - math::kAdamStagedValues);
    }
  }
  write_staged(values, {static_cast<int64_t>(values.size() / math::kAdamStagedValues),
                        math::kAdamStagedValues}, op);
}

std::map<std::string, Tensor> Adam::state() const {
  std::map<std::string, Tensor> s;
  for (size_t gi = 0; gi < exp_avg_.size(); ++gi) {
    for (size_t i = 0; i < exp_avg_[gi].size(); ++i) {
      if (!exp_avg_[gi][i].defined()) continue;
      s[state_key(gi, i, "exp_avg")] = exp_avg_[gi][i];
      s[state_key(gi, i, "exp_avg_sq")] = exp_avg_sq_[gi][i];
      s[state_key(gi, i, "step")] = scalar_tensor(static_cast<double>(steps_[gi][i]), DType::Int64);
    }
  }
  return s;
}

void Adam::load_state(const std::map<std::string, Tensor>& state) {
  for (size_t gi = 0; gi < exp_avg_.size(); ++gi) {
    for (size_t i = 0; i < exp_avg_[gi].size(); ++i) {
      const Tensor& p = groups_[gi].params[i];
      auto m = state.find(state_key(gi, i, "exp_avg"));
      auto v = state.find(state_key(gi, i, "exp_avg_sq"));
      auto t = state.find(state_key(gi, i, "step"));
      if (m == state.end() || v == state.end() || t == state.end()) {
        exp_avg_[gi][i] = exp_avg_sq_[gi][i] = Tensor();
        steps_[gi][i] = 0;
        continue;
      }
      check(m->second.shape() == p.shape() && v->second.shape() == p.shape(), "adam",
            "state for parameter ", gi, ".", i, " has shape ", shape_str(m->second.shape()),
            ", the parameter ", shape_str(p.shape()));
      exp_avg_[gi][i] = m->second.to(p.device()).to(p.dtype()).clone();
      exp_avg_sq_[gi][i] = v->second.to(p.device()).to(p.dtype()).clone();
      steps_[gi][i] = static_cast<int64_t>(t->second.item());
    }
  }
}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions options)
    : Adam(single_group(std::move(params), options.lr, options.weight_decay), options, true) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), options, true) {}

Tensor l2_penalty(const std::vector<Tensor>& params, double lambda) {
  check(!params.empty(), "l2_penalty", "no parameters given");
  Tensor total;
  for (const Tensor& p : params) {
    Tensor s = sum(square(p));
    total = total.defined() ? add(total, s) : s;
  }
  return mul(total, lambda);
}

}  // namespace msq
