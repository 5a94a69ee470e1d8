// Backbone: the common shape of msq's image classifiers. A trunk that maps an image batch
// [B, 3, H, W] to pooled features [B, F], then a head child under torchvision's name for the
// classifier ("fc" for ResNet, "classifier" for DenseNet, EfficientNet and the study's CNN).
// Replacing the head (replace_head) keeps every trunk name, so torchvision weights still
// load name for name with the head skipped.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "engine/nn/module.h"

namespace msq::models {

// Builds a head for a given number of pooled features (the options' make_head: when set, a
// backbone uses it instead of its default classifier).
using HeadFactory = std::function<std::shared_ptr<nn::Module>(int64_t num_features)>;

class Backbone : public nn::Module {
 public:
  // Pooled, flattened features: [B, 3, H, W] -> [B, num_features()].
  virtual Tensor forward_features(const Tensor& x) = 0;
  Tensor forward(const Tensor& x) override { return head_->forward(forward_features(x)); }

  int64_t num_features() const { return num_features_; }
  const std::string& head_name() const { return head_name_; }
  std::shared_ptr<nn::Module> head() const { return head_; }
  // Puts `head` in place of the current head (same name, same position in state_dict()).
  void replace_head(std::shared_ptr<nn::Module> head);

 protected:
  // Registers the head as the last child; called once at the end of a constructor.
  void set_head(const std::string& name, int64_t num_features, std::shared_ptr<nn::Module> head);

 private:
  std::string head_name_;
  int64_t num_features_ = 0;
  std::shared_ptr<nn::Module> head_;
};

}  // namespace msq::models
