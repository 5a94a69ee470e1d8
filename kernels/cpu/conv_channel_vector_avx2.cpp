// The channel-vector convolution tiles for AVX2 + FMA (8 channels per vector, 16
// registers): 2 vectors (16 output channels) x 6 pixels = 12 accumulators, rests of up to
// 3 pixels by 2 x 3.
#include <immintrin.h>

#include "kernels/cpu/conv_channel_vector.h"
#include "kernels/cpu/conv_channel_vector_kernel.h"
#include "kernels/cpu/float_vector_avx2.h"

namespace msq::cpu {

void channel_vector_block_avx2(const DirectConvBlock& b, int64_t pixel_step, int64_t y_row,
                               int64_t y_step, const ChannelVectorSums& sums,
                               const ChannelVectorNext* next) {
  if (pixel_step == 1) return channel_vector::block<Avx2Floats, 2, 6, 3, 1>(b, y_row, y_step, sums, next);
  channel_vector::block<Avx2Floats, 2, 6, 3, 2>(b, y_row, y_step, sums, next);
}

}  // namespace msq::cpu
