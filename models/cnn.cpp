#include "models/cnn.h"

#include "engine/core/error.h"
#include "engine/nn/nn.h"

namespace msq::models {

Cnn::Cnn(const CnnOptions& o) : options_(o) {
  check(o.input_h >= 4 && o.input_w >= 4, "Cnn", "input must be at least 4x4, got ", o.input_h,
        "x", o.input_w);
  features_ = register_module("features", std::make_shared<nn::Sequential>(nn::Sequential{
      std::make_shared<nn::Conv2d>(3, 32, 3, 1, 1), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2, 2), std::make_shared<nn::Conv2d>(32, 64, 3, 1, 1),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2, 2)}));
  // Two floor-halvings, as a dummy pass through the two pools would find.
  const int64_t flat = 64 * (o.input_h / 2 / 2) * (o.input_w / 2 / 2);
  set_head("classifier", flat,
           o.make_head ? o.make_head(flat) : dense_head(flat, o.head, o.num_classes));
}

Tensor Cnn::forward_features(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 3, "Cnn", "expects [B, 3, H, W], got ", shape_str(x.shape()));
  check(x.size(2) == options_.input_h && x.size(3) == options_.input_w, "Cnn",
        "built for ", options_.input_h, "x", options_.input_w, " inputs, got ", x.size(2), "x",
        x.size(3));
  return features_->forward(x).flatten(1);
}

}  // namespace msq::models
