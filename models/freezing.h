// The study's freezing policies (docs/PAPER.md), as parameter-name prefixes handed to
// nn::Module::freeze (frozen parameters stop requiring gradients; with keep_batchnorm_eval
// their BatchNorm layers stay in eval mode, i.e. keep their running statistics, when the
// model trains). Policies:
//   "none"     nothing frozen.
//   "study"    the paper's choice per backbone:
//                ResNet:       conv1, bn1, layer1            (stem and first stage)
//                DenseNet:     features.conv0, features.norm0, features.denseblock1
//                EfficientNet: features.0 .. features.4      (stem and stages 1-4; "up to
//                              block 4", read as torchvision's features[0..4])
//                CNN:          nothing (trained from scratch)
//   "backbone" every child except the head (a frozen feature extractor).
// Prefixes carry no trailing dot: Module::freeze matches module paths ("layer1") as well as
// parameter names ("layer1.0.conv1.weight"); each is unambiguous in its backbone.
#pragma once
#include <string>
#include <vector>

#include "models/backbone.h"

namespace msq::models {

// family: "cnn", "resnet", "densenet" or "efficientnet".
std::vector<std::string> freeze_prefixes(const std::string& family, const std::string& policy,
                                         const Backbone& model);
// Applies the policy (after unfreezing everything); returns the prefixes used.
std::vector<std::string> apply_freezing(Backbone& model, const std::string& family,
                                        const std::string& policy, bool keep_batchnorm_eval = true);

}  // namespace msq::models
