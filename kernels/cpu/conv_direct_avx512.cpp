// The direct convolution tiles for AVX-512F (16 floats per vector, 32 registers):
// 8 output channels x 3 vectors = 24 accumulators; depthwise 4 rows x 3 vectors; weight
// gradient 6 taps x up to 4 vectors of output channels;
// remainders of up to 8 columns in 256-bit vectors (AVX-512VL: still 32 registers).
// Compiled for AVX-512 by the pragma below and only called where simd_level() says the
// CPU has it.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/conv_direct.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl")
#endif

#include "kernels/cpu/conv_direct_kernel.h"

namespace msq::cpu {

namespace {

struct Avx512 {
  using reg = __m512;
  static constexpr int width = 16;
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
};

struct Avx512Narrow {
  using reg = __m256;
  static constexpr int width = 8;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm256_set1_ps(*p); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
};

}  // namespace

void direct_conv_block_avx512(const DirectConvBlock& b) { direct::conv_block<Avx512, Avx512Narrow, 8, 3>(b); }
void depthwise_plane_avx512(const DepthwisePlane& p) { direct::depthwise_plane<Avx512, Avx512Narrow, 4, 3>(p); }
void depthwise_weight_grad_plane_avx512(const DepthwisePlane& p, const float* gy, int64_t ld,
                                        float* sums) {
  direct::depthwise_weight_grad_plane<Avx512>(p, gy, ld, sums);
}
void weight_grad_block_avx512(const WeightGradBlock& b, int vectors) {
  switch (vectors) {
    case 1: return direct::weight_grad_block<Avx512, 1>(b);
    case 2: return direct::weight_grad_block<Avx512, 2>(b);
    case 3: return direct::weight_grad_block<Avx512, 3>(b);
    default: return direct::weight_grad_block<Avx512, 4>(b);
  }
}

}  // namespace msq::cpu

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
