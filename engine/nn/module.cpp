#include "engine/nn/module.h"

#include <algorithm>

#include "engine/autograd/grad_mode.h"

namespace msq::nn {

namespace {

void check_name(const std::string& name, const char* what) {
  check(!name.empty() && name.find('.') == std::string::npos, "module", what, " name '", name,
        "' must be non-empty and contain no '.'");
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0 &&
         (s.size() == prefix.size() || prefix.empty() || prefix.back() == '.' ||
          s[prefix.size()] == '.');
}

}  // namespace

Tensor Module::forward(const Tensor&) {
  fail(type_name().c_str(), "this module has no single-tensor forward");
}

Tensor& Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_name(name, "parameter");
  check(value.defined(), "module", "parameter '", name, "' is undefined");
  Tensor leaf = value.detach();
  if (requires_grad) leaf.requires_grad_(true);
  for (auto& [n, t] : parameters_) {
    if (n == name) return t = leaf;
  }
  parameters_.emplace_back(name, leaf);
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, "buffer");
  for (auto& [n, t] : buffers_) {
    if (n == name) return t = value;
  }
  buffers_.emplace_back(name, value);
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "child module");
  check(module != nullptr, "module", "child '", name, "' is null");
  for (auto& [n, m] : children_) {
    if (n == name) {
      m = std::move(module);
      return;
    }
  }
  children_.emplace_back(name, std::move(module));
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, m] : children_) {
    if (n == name) return m;
  }
  return nullptr;
}

void Module::collect(const std::string& prefix, NamedTensors& out, bool params, bool buffers,
                     bool) const {
  if (params) {
    for (const auto& [n, t] : parameters_) out.emplace_back(prefix + n, t);
  }
  if (buffers) {
    for (const auto& [n, t] : buffers_) {
      if (t.defined()) out.emplace_back(prefix + n, t);
    }
  }
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", out, params, buffers, true);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", out, true, false, false);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", out, false, true, false);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::trainable_parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) {
    if (t.requires_grad()) out.push_back(t);
  }
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", out, true, true, true);
  return out;
}

void Module::visit(const std::function<void(const std::string&, Module&)>& f,
                   const std::string& prefix) {
  f(prefix, *this);
  for (auto& [n, m] : children_) m->visit(f, prefix.empty() ? n : prefix + "." + n);
}

std::vector<std::string> Module::load_state_dict(const NamedTensors& values, bool strict) {
  NoGradGuard no_grad;
  std::vector<std::string> missing;
  std::vector<std::string> used;
  visit([&](const std::string& path, Module& m) {
    std::string prefix = path.empty() ? "" : path + ".";
    auto load = [&](NamedTensors& own) {
      for (auto& [n, t] : own) {
        std::string full = prefix + n;
        auto it = std::find_if(values.begin(), values.end(),
                               [&](const auto& kv) { return kv.first == full; });
        if (it == values.end()) {
          missing.push_back(full);
          continue;
        }
        used.push_back(full);
        check(it->second.shape() == t.shape(), "load_state_dict", "'", full, "' has shape ",
              shape_str(it->second.shape()), " in the source, ", shape_str(t.shape()),
              " in the model");
        t.copy_(it->second.to(t.device()));
      }
    };
    load(m.parameters_);
    load(m.buffers_);
  });
  if (strict) {
    check(missing.empty(), "load_state_dict", missing.size(), " tensor(s) missing, first: '",
          missing.empty() ? "" : missing.front(), "'");
    for (const auto& [n, t] : values) {
      check(std::find(used.begin(), used.end(), n) != used.end(), "load_state_dict",
            "unexpected tensor '", n, "' in the source");
    }
  }
  return missing;
}

void Module::train(bool on) {
  training_ = on && !frozen_eval_;
  for (auto& [n, m] : children_) m->train(on);
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  visit([&](const std::string&, Module& m) {
    for (auto& [n, t] : m.parameters_) {
      bool rg = t.requires_grad();
      t = t.to(device).detach();
      if (rg) t.requires_grad_(true);
    }
    for (auto& [n, t] : m.buffers_) {
      if (t.defined()) t = t.to(device);
    }
  });
}

void Module::to(DType dtype) {
  check(is_floating(dtype), "module", "to() takes a floating dtype, got ", dtype_name(dtype));
  NoGradGuard no_grad;
  visit([&](const std::string&, Module& m) {
    for (auto& [n, t] : m.parameters_) {
      bool rg = t.requires_grad();
      t = t.to(dtype).detach();
      if (rg) t.requires_grad_(true);
    }
    for (auto& [n, t] : m.buffers_) {
      if (t.defined() && is_floating(t.dtype())) t = t.to(dtype);
    }
  });
}

Device Module::device() const {
  NamedTensors all = state_dict();
  return all.empty() ? Device::cpu() : all.front().second.device();
}

void Module::freeze(const std::vector<std::string>& prefixes, bool keep_batchnorm_eval) {
  visit([&](const std::string& path, Module& m) {
    std::string prefix = path.empty() ? "" : path + ".";
    bool module_frozen = false;
    for (const std::string& p : prefixes) {
      if (!path.empty() && starts_with(path, p)) module_frozen = true;
    }
    for (auto& [n, t] : m.parameters_) {
      for (const std::string& p : prefixes) {
        if (starts_with(prefix + n, p)) t.requires_grad_(false);
      }
    }
    if (module_frozen && keep_batchnorm_eval) {
      m.frozen_eval_ = true;
      m.training_ = false;
    }
  });
}

void Module::unfreeze() {
  bool mode = training_;
  visit([&](const std::string&, Module& m) {
    m.frozen_eval_ = false;
    for (auto& [n, t] : m.parameters_) t.requires_grad_(true);
  });
  train(mode);
}

int64_t Module::parameter_count(bool trainable_only) const {
  int64_t n = 0;
  for (auto& [name, t] : named_parameters()) {
    if (!trainable_only || t.requires_grad()) n += t.numel();
  }
  return n;
}

}  // namespace msq::nn
