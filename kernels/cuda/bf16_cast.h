// float32 <-> bfloat16 (raw 16-bit patterns) on the current device, for the bf16 mixed
// precision of convolutions and GEMM (engine/core/precision.h). Rounding to nearest even,
// the formula of kernels/common/bf16.h.
#pragma once
#include <cstdint>

#include "kernels/cuda/device_buffer.h"

namespace msq::cuda {

// dst[i] = bf16(src[i]) for i < n.
void cast_to_bf16(uint16_t* dst, const float* src, int64_t n);
// dst[i] = float(src[i]) for i < n.
void cast_from_bf16(float* dst, const uint16_t* src, int64_t n);

// A bf16 copy of n float32 values in a caching-allocator buffer (or, with src null, an
// uninitialised one to receive a result); widen_into() writes it back as float32.
class Bf16Buffer {
 public:
  Bf16Buffer(const float* src, int64_t n) : n_(n), buffer_(size_t(n) * sizeof(uint16_t)) {
    if (src && n > 0) cast_to_bf16(buffer_.as<uint16_t>(), src, n);
  }
  void* data() const { return buffer_.data(); }
  void widen_into(float* dst) const {
    if (n_ > 0) cast_from_bf16(dst, buffer_.as<uint16_t>(), n_);
  }

 private:
  int64_t n_;
  DeviceBuffer buffer_;
};

}  // namespace msq::cuda
