#include "models/freezing.h"

#include "engine/core/error.h"

namespace msq::models {

std::vector<std::string> freeze_prefixes(const std::string& family, const std::string& policy,
                                         const Backbone& model) {
  if (policy == "none") return {};
  if (policy == "backbone") {
    std::vector<std::string> out;
    for (const auto& [name, child] : model.children()) {
      if (name != model.head_name()) out.push_back(name);
    }
    return out;
  }
  check(policy == "study", "freezing", "unknown policy '", policy,
        "' (none, study, backbone)");
  if (family == "resnet") return {"conv1", "bn1", "layer1"};
  if (family == "densenet") return {"features.conv0", "features.norm0", "features.denseblock1"};
  if (family == "efficientnet") {
    return {"features.0", "features.1", "features.2", "features.3", "features.4"};
  }
  if (family == "cnn") return {};
  fail("freezing", "unknown family '", family, "' (cnn, resnet, densenet, efficientnet)");
}

std::vector<std::string> apply_freezing(Backbone& model, const std::string& family,
                                        const std::string& policy, bool keep_batchnorm_eval) {
  std::vector<std::string> prefixes = freeze_prefixes(family, policy, model);
  model.unfreeze();
  if (!prefixes.empty()) model.freeze(prefixes, keep_batchnorm_eval);
  return prefixes;
}

}  // namespace msq::models
