#include "engine/nn/fusion.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "engine/nn/layers.h"
#include "engine/ops/add_act.h"
#include "engine/ops/elementwise.h"

namespace msq::nn {

namespace {

std::atomic<bool>& fuse_flag() {
  static std::atomic<bool> flag([] {
    const char* env = std::getenv("MSQ_FUSE_ACTIVATIONS");
    return !(env && std::strcmp(env, "0") == 0);
  }());
  return flag;
}

}  // namespace

void set_fuse_activations(bool on) { fuse_flag() = on; }
bool fuse_activations() { return fuse_flag(); }

FusedAct activation_of(const Module& m) {
  if (dynamic_cast<const ReLU*>(&m)) return FusedAct::Relu;
  if (dynamic_cast<const SiLU*>(&m)) return FusedAct::Silu;
  return FusedAct::None;
}

Tensor apply_activation(const Tensor& y, FusedAct act) {
  switch (act) {
    case FusedAct::None: return y;
    case FusedAct::Relu: return relu(y);
    case FusedAct::Silu: return silu(y);
  }
  return y;
}

Tensor add_activation(const Tensor& a, const Tensor& b, FusedAct act) {
  if (fuse_activations() && a.shape() == b.shape() && a.dtype() == b.dtype() && a.device() == b.device()) {
    return add_act(a, b, act);
  }
  return apply_activation(add(a, b), act);
}

Tensor forward_in_order(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules,
                        const Tensor& x) {
  Tensor y = x;
  for (size_t i = 0; i < modules.size(); ++i) {
    Module& m = *modules[i].second;
    auto* fusable = dynamic_cast<FusesActivation*>(&m);
    const FusedAct act = i + 1 < modules.size() ? activation_of(*modules[i + 1].second) : FusedAct::None;
    if (fusable && act != FusedAct::None) {
      y = fusable->forward_act(y, act);
      ++i;
    } else {
      y = m.forward(y);
    }
  }
  return y;
}

}  // namespace msq::nn
