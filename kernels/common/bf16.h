// bfloat16: the upper 16 bits of a float32 (sign, 8 exponent bits, 7 mantissa bits). Float to
// bf16 rounds to nearest, ties to even (as PyTorch's .bfloat16() and CUDA's
// __float2bfloat16_rn); NaN stays a (quiet) NaN. Shared by the CPU reference and the CUDA
// cast kernels, so both round the same way.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/common/host_device.h"

namespace msq::math {

MSQ_HD uint16_t bf16_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // NaN
  // Adding 0x7fff rounds the lower half up when above the tie; the kept bit (u >> 16) & 1
  // breaks the tie towards even. A carry into the exponent is right (it may reach infinity).
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

MSQ_HD float bf16_to_float(uint16_t b) {
  const uint32_t u = uint32_t(b) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// x rounded to the nearest bf16 value, as a float.
MSQ_HD float round_to_bf16(float x) { return bf16_to_float(bf16_bits(x)); }

}  // namespace msq::math
