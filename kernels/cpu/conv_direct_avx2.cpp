// The direct convolution tiles for AVX2 + FMA (8 floats per vector, 16 registers):
// 4 output channels x 3 vectors = 12 accumulators; depthwise 4 rows x 3 vectors; weight
// gradient 6 taps x up to 2 vectors of output channels.
#include <immintrin.h>

#include "kernels/cpu/conv_direct_kernel.h"
#include "kernels/cpu/float_vector_avx2.h"

namespace msq::cpu {

void direct_conv_block_avx2(const DirectConvBlock& b) {
  direct::conv_block<Avx2Floats, Avx2Floats, 4, 3>(b);
}
void depthwise_plane_avx2(const DepthwisePlane& p) {
  direct::depthwise_plane<Avx2Floats, Avx2Floats, 4, 3>(p);
}
void depthwise_weight_grad_plane_avx2(const DepthwisePlane& p, const float* gy, int64_t ld,
                                      float* sums) {
  direct::depthwise_weight_grad_plane<Avx2Floats>(p, gy, ld, sums);
}
void weight_grad_block_avx2(const WeightGradBlock& b, int vectors) {
  if (vectors == 1) direct::weight_grad_block<Avx2Floats, 1>(b);
  else direct::weight_grad_block<Avx2Floats, 2>(b);
}

}  // namespace msq::cpu
