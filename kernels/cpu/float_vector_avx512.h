// The float vectors of the AVX-512 tile kernels: 16 floats per __m512, and the 8-float
// __m256 form (AVX-512VL: all 32 registers) for remainders. Include it only inside the
// AVX-512 region (avx512_region_begin.h) of a file that simd_level() guards.
#pragma once

#include <immintrin.h>

namespace msq::cpu {

struct Avx512Floats {
  using reg = __m512;
  static constexpr int width = 16;
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
};

struct Avx512NarrowFloats {
  using reg = __m256;
  static constexpr int width = 8;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm256_set1_ps(*p); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
};

}  // namespace msq::cpu
