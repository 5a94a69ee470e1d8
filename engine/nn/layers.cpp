#include "engine/nn/layers.h"

#include "engine/ops/elementwise.h"
#include "engine/ops/pooling.h"
#include "engine/ops/random_ops.h"
#include "engine/ops/regularization.h"

namespace msq::nn {

namespace {

void check_4d(const Tensor& x, const char* layer) {
  check(x.defined() && x.dim() == 4, layer, "expects a 4-d input [B, C, H, W], got ",
        x.defined() ? std::string(shape_str(x.shape())) : std::string("undefined"));
}

}  // namespace

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor SiLU::forward(const Tensor& x) { return silu(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Hardsigmoid::forward(const Tensor& x) { return hardsigmoid(x); }

Dropout::Dropout(double p_) : p(p_) {
  check(p >= 0 && p <= 1, "Dropout", "probability must be in [0, 1], got ", p);
}
Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training()); }

StochasticDepth::StochasticDepth(double p_) : p(p_) {
  check(p >= 0 && p <= 1, "StochasticDepth", "probability must be in [0, 1], got ", p);
}
Tensor StochasticDepth::forward(const Tensor& x) { return drop_path(x, p, is_training()); }

MaxPool2d::MaxPool2d(Size2 kernel_, Size2 stride_, Size2 padding_, Size2 dilation, bool ceil)
    : kernel(kernel_), stride(stride_), padding(padding_), ceil_mode(ceil) {
  check(dilation.h == 1 && dilation.w == 1, "MaxPool2d", "only dilation 1 is supported, got (",
        dilation.h, ", ", dilation.w, ")");
}
Tensor MaxPool2d::forward(const Tensor& x) {
  check_4d(x, "MaxPool2d");
  return max_pool2d(x, kernel, stride, padding, ceil_mode);
}

AvgPool2d::AvgPool2d(Size2 kernel_, Size2 stride_, Size2 padding_, bool ceil, bool include_pad,
                     int64_t divisor)
    : kernel(kernel_),
      stride(stride_),
      padding(padding_),
      ceil_mode(ceil),
      count_include_pad(include_pad),
      divisor_override(divisor) {}
Tensor AvgPool2d::forward(const Tensor& x) {
  check_4d(x, "AvgPool2d");
  return avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 output_) : output(output_) {}
Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  check_4d(x, "AdaptiveAvgPool2d");
  return adaptive_avg_pool2d(x, output);
}

Flatten::Flatten(int64_t start, int64_t end) : start_dim(start), end_dim(end) {}
Tensor Flatten::forward(const Tensor& x) {
  check(x.defined() && x.dim() > start_dim, "Flatten", "start_dim ", start_dim,
        " is out of range for input of shape ",
        x.defined() ? std::string(shape_str(x.shape())) : std::string("undefined"));
  return x.flatten(start_dim, end_dim);
}

}  // namespace msq::nn
