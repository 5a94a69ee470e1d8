// Plain descriptions of a 2-D convolution and a 2-D pooling window, shared by the op
// front-ends (engine/ops/conv.cpp, engine/ops/pooling.cpp) and every backend.
#pragma once
#include <cstdint>

namespace msq {

struct Conv2dParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
};

struct Pool2dParams {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  bool count_include_pad = true;  // avg_pool2d only
  int64_t divisor_override = 0;   // avg_pool2d only; 0 = none
};

}  // namespace msq
