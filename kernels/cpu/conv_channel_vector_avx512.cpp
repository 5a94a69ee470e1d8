// The channel-vector convolution tiles for AVX-512F (16 channels per vector, 32
// registers): 2 vectors (32 output channels) x 14 pixels = 28 accumulators, rests of up
// to 7 pixels by 2 x 7, rows of exactly 7 in pairs (2 x 7). Compiled for AVX-512 by the pragma below and only called where
// simd_level() says the CPU has it.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/conv_channel_vector.h"

#include "kernels/cpu/avx512_region_begin.h"

#include "kernels/cpu/conv_channel_vector_kernel.h"
#include "kernels/cpu/float_vector_avx512.h"

namespace msq::cpu {

void channel_vector_block_avx512(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                                 int64_t y_step, const ChannelVectorSums& sums,
                                 const ChannelVectorNext* next) {
  if (pixel_step == 1) return channel_vector::block<Avx512Floats, 2, 14, 7, 1>(b, y_row, y_step, sums, next);
  channel_vector::block<Avx512Floats, 2, 14, 7, 2>(b, y_row, y_step, sums, next);
}

}  // namespace msq::cpu

#include "kernels/cpu/avx512_region_end.h"
