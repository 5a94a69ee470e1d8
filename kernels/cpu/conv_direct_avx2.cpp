// The direct convolution tiles for AVX2 + FMA (8 floats per vector, 16 registers):
// 4 output channels x 3 vectors = 12 accumulators; depthwise 4 rows x 3 vectors; weight
// gradient 6 taps x up to 2 vectors of output channels.
#include <immintrin.h>

#include "kernels/cpu/conv_direct_kernel.h"

namespace msq::cpu {

namespace {

struct Avx2 {
  using reg = __m256;
  static constexpr int width = 8;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
};

}  // namespace

void direct_conv_block_avx2(const DirectConvBlock& b) { direct::conv_block<Avx2, Avx2, 4, 3>(b); }
void depthwise_plane_avx2(const DepthwisePlane& p) { direct::depthwise_plane<Avx2, Avx2, 4, 3>(p); }
void depthwise_weight_grad_plane_avx2(const DepthwisePlane& p, const float* gy, int64_t ld,
                                      float* sums) {
  direct::depthwise_weight_grad_plane<Avx2>(p, gy, ld, sums);
}
void weight_grad_block_avx2(const WeightGradBlock& b, int vectors) {
  if (vectors == 1) direct::weight_grad_block<Avx2, 1>(b);
  else direct::weight_grad_block<Avx2, 2>(b);
}

}  // namespace msq::cpu
