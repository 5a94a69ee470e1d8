// The driver of the channel-vector convolution forward (see conv_channel_vector.h): the
// path choice and the kernel per ISA, run over bands of one column phase by the shared task
// loop (conv_banded_forward.h). The register tiles are in conv_channel_vector_kernel.h.
#include "kernels/cpu/conv_channel_vector.h"

#include "kernels/cpu/conv_banded_forward.h"

namespace msq::cpu {

int channel_vector_oc_block(SimdLevel level) { return level == SimdLevel::avx512 ? 32 : 16; }

ChannelVectorKernel channel_vector_kernel(SimdLevel level) {
  return level == SimdLevel::avx512 ? channel_vector_block_avx512 : channel_vector_block_avx2;
}

// The widest tile has 14 pixels; its unused ones read up to 13 steps past a row's last
// output, plus the taps' reach.
int64_t channel_vector_slack(int64_t pixel_step, int64_t kw) { return 14 * pixel_step + kw + 16; }

// A row's last tile loads the sums of all 14 of its pixels.
int64_t channel_vector_sums_slack(int64_t oc_block) { return 14 * oc_block; }

bool channel_vector_supported(const ConvGeometry& g, const Conv2dParams& p) {
  return !g.depthwise() && p.dilation_h == 1 && p.dilation_w == 1 &&
         (p.stride_w == 1 || p.stride_w == 2) && g.kw <= kDirectMaxKernelWidth;
}

// The measured rule (bench/conv_bench.cpp, one thread, CPU time, 8 images, AVX-512; against
// the direct path's joined rows or im2col + OpenBLAS, whichever ran there): the tiles win on
// rows of at most kMaxWidth outputs with enough input channels (3x3 s2 128 @ 28: 21.1 vs
// 18.5 ms; 3x3 128 @ 28: 18.6 vs 17.1; 256 @ 14: 19.9 vs 17.4; 512 @ 7: 26.7 vs 21), tie at
// 56 columns (64 channels: 17.7 both) and lose on wide rows with few input channels (3 -> 32
// @ 224: 7.0 vs 10.4; 32 -> 64 @ 112: 34.7 vs 37.0; the 7x7 s2 stem: 17.6 vs 19.4).
constexpr int64_t kMaxWidth = 32;
constexpr int64_t kMinInputChannels = 16;

bool channel_vector_pays(const ConvGeometry& g) {
  return g.kh * g.kw > 1 && g.out_w <= kMaxWidth && g.in_cg >= kMinInputChannels;
}

bool channel_vector_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback:
    case ConvAlgorithm::direct: return false;
    case ConvAlgorithm::channels: return channel_vector_supported(g, p);
    case ConvAlgorithm::winograd:
    case ConvAlgorithm::automatic: break;
  }
  return channel_vector_supported(g, p) && channel_vector_pays(g);
}

// The phases of a strided input gradient are stride-1 convolutions of gy as wide as gx's
// width / stride; measured on 3x3 s2 128 @ 56 (phases 28 wide): 43.2 vs 40.8 ms for the
// whole backward (weight gradient included).
bool channel_vector_polyphase_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback:
    case ConvAlgorithm::direct: return false;
    case ConvAlgorithm::channels: return true;
    case ConvAlgorithm::winograd:
    case ConvAlgorithm::automatic: break;
  }
  return (g.w + p.stride_w - 1) / p.stride_w <= kMaxWidth;
}

void channel_vector_forward(float* y, const float* x, const float* w, const float* bias,
                            const ConvGeometry& g, const Conv2dParams& p) {
  const ChannelVectorPlan plan = channel_vector_blocked_choice(g, p);
  if (plan.oc_groups > 0) return channel_vector_forward_blocked(y, x, w, bias, g, p, plan);
  const SimdLevel level = simd_level();
  const int64_t oc_block = channel_vector_oc_block(level);
  const ChannelVectorKernel kernel = channel_vector_kernel(level);
  const int64_t sw = p.stride_w;
  // A band row: every column the outputs reach, the padding included (one column phase).
  const int64_t row_len = (g.out_w - 1) * sw + g.kw;
  banded_forward(y, x, pack_group_weights(w, bias, g, oc_block), g, p, oc_block, row_len, 1,
                 channel_vector_slack(sw, g.kw),
                 [&](const DirectConvBlock& blk) { kernel(blk, sw, g.out_w, 1, {}, nullptr); });
}

}  // namespace msq::cpu
