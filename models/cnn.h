// The study's CNN (docs/PAPER.md): features = [Conv 3x3 3->32 pad 1, ReLU, MaxPool 2/2,
// Conv 3x3 32->64 pad 1, ReLU, MaxPool 2/2], flatten (64 * (H/4) * (W/4), inferred from the
// input size), then the head ("classifier": the dense stack -> num_classes by default).
// Names: features.0.weight, features.3.weight, classifier.0.weight, ...
#pragma once
#include <memory>

#include "models/backbone.h"
#include "models/heads.h"

namespace msq::models {

struct CnnOptions {
  int64_t input_h = 224, input_w = 224;
  DenseStack head;
  int64_t num_classes = 2;
  HeadFactory make_head;  // instead of dense_head(flat, head, num_classes)
};

class Cnn : public Backbone {
 public:
  explicit Cnn(const CnnOptions& options = {});
  Tensor forward_features(const Tensor& x) override;  // [B, 3, H, W] -> [B, 64 (H/4) (W/4)]
  std::string type_name() const override { return "Cnn"; }
  const CnnOptions& options() const { return options_; }

 private:
  CnnOptions options_;
  std::shared_ptr<nn::Sequential> features_;
};

}  // namespace msq::models
