// Layers without parameters: activations, dropout, pooling, flattening, the identity.
// Each checks its input and names itself in errors ("[MaxPool2d] ...").
#pragma once
#include "engine/nn/module.h"
#include "engine/ops/conv.h"

namespace msq::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SiLU"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

class Hardsigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Hardsigmoid"; }
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

// Inverted dropout in training, the identity in evaluation.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  double p;
};

// Stochastic depth per sample (torchvision.ops.StochasticDepth, mode "row").
class StochasticDepth : public Module {
 public:
  explicit StochasticDepth(double p);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "StochasticDepth"; }
  double p;
};

// stride 0 = the kernel (PyTorch's default); dilation must be 1.
class MaxPool2d : public Module {
 public:
  MaxPool2d(Size2 kernel, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
            bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;  // [B, C, H, W] -> [B, C, Ho, Wo]
  std::string type_name() const override { return "MaxPool2d"; }
  Size2 kernel, stride, padding;
  bool ceil_mode;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(Size2 kernel, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false,
            bool count_include_pad = true, int64_t divisor_override = 0);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AvgPool2d"; }
  Size2 kernel, stride, padding;
  bool ceil_mode, count_include_pad;
  int64_t divisor_override;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output);
  Tensor forward(const Tensor& x) override;  // [B, C, H, W] -> [B, C, output.h, output.w]
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  Size2 output;
};

// Flattens dims start_dim..end_dim into one (default: all but the batch dim).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
  int64_t start_dim, end_dim;
};

}  // namespace msq::nn
