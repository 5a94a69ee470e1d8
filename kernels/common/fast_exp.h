// exp for float32 that the compiler vectorises (no library call): Cody-Waite range
// reduction x = n ln2 + r, the Cephes expf polynomial for e^r (about 1 ulp), and 2^n built
// in the exponent bits. Above 88.72 it is infinity like expf; below -87.3 (results under
// FLT_MIN, denormal in expf) it flushes to 0. On the GPU it is expf. float64 keeps the
// library exp.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/common/host_device.h"

namespace msq::math {

MSQ_HD float exp_f32(float x) {
#if defined(__CUDA_ARCH__)
  return expf(x);
#else
  float xc = x < -87.3f ? -87.3f : (x > 88.72283935546875f ? 88.72283935546875f : x);
  float n = std::nearbyint(xc * 1.44269504088896341f);
  float r = std::fma(n, -0.693359375f, xc);
  r = std::fma(n, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = std::fma(p, r, 1.3981999507e-3f);
  p = std::fma(p, r, 8.3334519073e-3f);
  p = std::fma(p, r, 4.1665795894e-2f);
  p = std::fma(p, r, 1.6666665459e-1f);
  p = std::fma(p, r, 5.0000001201e-1f);
  p = std::fma(p, r * r, r) + 1.0f;
  // 2^n from the exponent bits; n = 128 (x near the top) as 2^127 * 2.
  float top = n > 127.0f ? 2.0f : 1.0f;
  int32_t bits = (static_cast<int32_t>(n > 127.0f ? 127.0f : n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float y = p * scale * top;
  y = x < -87.3f ? 0.0f : y;
  y = x > 88.72283935546875f ? INFINITY : y;
  y = x != x ? x : y;  // NaN stays NaN
  return y;
#endif
}

MSQ_HD float fast_exp(float x) { return exp_f32(x); }
MSQ_HD double fast_exp(double x) { return exp(x); }

}  // namespace msq::math
