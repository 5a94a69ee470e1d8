// The direct convolution tiles for AVX-512F (16 floats per vector, 32 registers):
// 8 output channels x 3 vectors = 24 accumulators; depthwise 4 rows x 3 vectors; weight
// gradient 6 taps x up to 4 vectors of output channels;
// remainders of up to 8 columns in 256-bit vectors (AVX-512VL: still 32 registers).
// Compiled for AVX-512 by the pragma below and only called where simd_level() says the
// CPU has it.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/conv_direct.h"

#include "kernels/cpu/avx512_region_begin.h"

#include "kernels/cpu/conv_direct_kernel.h"
#include "kernels/cpu/float_vector_avx512.h"

namespace msq::cpu {

void direct_conv_block_avx512(const DirectConvBlock& b) {
  direct::conv_block<Avx512Floats, Avx512NarrowFloats, 8, 3>(b);
}
void depthwise_plane_avx512(const DepthwisePlane& p) {
  direct::depthwise_plane<Avx512Floats, Avx512NarrowFloats, 4, 3>(p);
}
void depthwise_weight_grad_plane_avx512(const DepthwisePlane& p, const float* gy, int64_t ld,
                                        float* sums) {
  direct::depthwise_weight_grad_plane<Avx512Floats>(p, gy, ld, sums);
}
void weight_grad_block_avx512(const WeightGradBlock& b, int vectors) {
  switch (vectors) {
    case 1: return direct::weight_grad_block<Avx512Floats, 1>(b);
    case 2: return direct::weight_grad_block<Avx512Floats, 2>(b);
    case 3: return direct::weight_grad_block<Avx512Floats, 3>(b);
    default: return direct::weight_grad_block<Avx512Floats, 4>(b);
  }
}

}  // namespace msq::cpu

#include "kernels/cpu/avx512_region_end.h"
