// The channel-vector convolution tiles for AVX2 + FMA (8 channels per vector, 16
// registers): 2 vectors (16 output channels) x 6 pixels = 12 accumulators, rests of up to
// 3 pixels by 2 x 3.
#include <immintrin.h>

#include "kernels/cpu/conv_channel_vector.h"
#include "kernels/cpu/conv_channel_vector_kernel.h"

namespace msq::cpu {

namespace {

struct Avx2 {
  using reg = __m256;
  static constexpr int width = 8;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
};

}  // namespace

void channel_vector_block_avx2(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                          int64_t y_step) {
  if (pixel_step == 1) return channel_vector::block<Avx2, 2, 6, 3, 1>(b, y_row, y_step);
  channel_vector::block<Avx2, 2, 6, 3, 2>(b, y_row, y_step);
}

}  // namespace msq::cpu
