// The float vector of the AVX2 + FMA tile kernels (8 floats per __m256): the operations
// the direct and channel-vector convolution templates use. Include it only from a file
// compiled for AVX2 + FMA.
#pragma once

#include <immintrin.h>

namespace msq::cpu {

struct Avx2Floats {
  using reg = __m256;
  static constexpr int width = 8;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
};

}  // namespace msq::cpu
