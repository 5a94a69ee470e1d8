#include "engine/nn/load_weights.h"

#include <map>
#include <sstream>

#include "engine/autograd/grad_mode.h"

namespace msq::nn {

namespace {

bool skipped(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const std::string& p : prefixes) {
    if (name.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

void list(std::ostringstream& s, const char* title, const std::vector<std::string>& names) {
  if (names.empty()) return;
  s << "\n  " << title << " (" << names.size() << "):";
  for (size_t i = 0; i < names.size() && i < 10; ++i) s << "\n    " << names[i];
  if (names.size() > 10) s << "\n    ...";
}

}  // namespace

std::string LoadReport::summary() const {
  std::ostringstream s;
  s << "loaded " << loaded.size() << ", missing " << missing.size() << ", unexpected "
    << unexpected.size() << ", shape mismatches " << mismatched.size() << ", skipped "
    << skipped.size();
  list(s, "missing", missing);
  list(s, "unexpected", unexpected);
  list(s, "shape mismatches", mismatched);
  return s.str();
}

LoadReport load_weights_into(Module& module, const NamedTensorList& tensors,
                             const LoadOptions& options, const std::string& origin) {
  NoGradGuard no_grad;
  LoadReport report;
  std::map<std::string, const Tensor*> source;
  for (const auto& [name, t] : tensors) source[name] = &t;
  std::map<std::string, bool> used;
  NamedTensors targets = module.state_dict();
  // Check everything first, so that a strict failure leaves the module untouched.
  std::vector<std::pair<Tensor, const Tensor*>> copies;
  for (auto& [name, target] : targets) {
    if (skipped(name, options.skip_prefixes)) {
      report.skipped.push_back(name);
      continue;
    }
    auto it = source.find(name);
    if (it == source.end()) {
      report.missing.push_back(name);
      continue;
    }
    used[name] = true;
    const Tensor& value = *it->second;
    if (value.shape() != target.shape()) {
      report.mismatched.push_back(name + ": source " + shape_str(value.shape()) + " vs module " +
                                  shape_str(target.shape()));
      continue;
    }
    copies.emplace_back(target, it->second);
    report.loaded.push_back(name);
  }
  for (const auto& [name, t] : tensors) {
    if (used.count(name)) continue;
    if (skipped(name, options.skip_prefixes)) report.skipped.push_back(name);
    else report.unexpected.push_back(name);
  }
  if (options.strict && !report.complete()) {
    fail("load_weights", "'", origin, "' does not match the model: ", report.summary());
  }
  for (auto& [target, value] : copies) {
    Tensor dst = target;
    dst.copy_(value->to(dst.device()));
  }
  return report;
}

LoadReport load_weights_file(Module& module, const std::string& path, const LoadOptions& options) {
  return load_weights_into(module, load_weights(path).tensors, options, path);
}

}  // namespace msq::nn
