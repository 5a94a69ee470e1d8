// The blocked driver of the channel-vector convolution forward (conv_channel_vector.h), for
// layers whose weights do not fit L2 (3x3 at 256 and 512 channels: 2.4 and 9.4 MB).
//
// The banded driver (conv_banded_forward.h) keeps a band of input rows in L2 and streams
// every weight block past it, so the weights are read from L3 once per band: 8 x 3 bands x
// 9.4 MB for a batch of 8 at 512 @ 14, and both cores pull them at once. Here a task is a
// group of output-channel blocks x a group of images; it walks the input channels in
// chunks, and per chunk fills its images' bands of those channels once, packs each block's
// chunk of weights once and runs it over all its images, keeping the partial sums of every
// (image, block) between chunks ([pixels][oc_block], in L2). The weights are then read
// once per image group and the input once per channel group.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/conv_channel_vector.h"

namespace msq::cpu {

namespace {

// The L2 share a task may fill (1 MB L2 per core; the rest for the outputs being written
// and the stack).
constexpr int64_t kBlockedL2Floats = (int64_t(3) << 20) / 4 / 4;  // 768 KB
// Weights of at least this many floats (per group) take the blocked driver: half of L2.
constexpr int64_t kBlockedMinWeightFloats = (int64_t(1) << 19) / 4;
// Input channels per chunk: the largest of these that fits, so that a partial sum is loaded
// and stored once per chunk * kh * kw taps of FMAs.
constexpr int64_t kChunkChoices[] = {64, 32, 16};

struct BlockedSizes {
  int64_t oc_block, blocks, rows, row_len, band, sums;  // band, sums: floats per image (block)
};

BlockedSizes blocked_sizes(const ConvGeometry& g, const Conv2dParams& p, SimdLevel level) {
  BlockedSizes s{};
  s.oc_block = channel_vector_oc_block(level);
  s.blocks = ceil_div(g.out_c, s.oc_block);
  s.rows = (g.out_h - 1) * p.stride_h + g.kh;
  s.row_len = (g.out_w - 1) * p.stride_w + g.kw;
  s.band = s.rows * s.row_len;  // per input channel
  s.sums = g.out_h * g.out_w * s.oc_block;
  return s;
}

}  // namespace

ChannelVectorPlan plan_channel_vector_blocks(const ConvGeometry& g, const Conv2dParams& p,
                                             SimdLevel level, int64_t threads, int64_t l2_floats) {
  ChannelVectorPlan best;
  if (g.groups != 1) return best;
  const BlockedSizes s = blocked_sizes(g, p, level);
  const int64_t weights = g.out_c * g.in_c * g.kh * g.kw, input = g.batch * g.in_c * s.band;
  double best_cost = 0;
  for (int64_t og = 1; og <= s.blocks; ++og) {
    for (int64_t ig = 1; ig <= g.batch; ++ig) {
      if ((og * ig) % threads != 0) continue;
      const int64_t images = ceil_div(g.batch, ig), blocks = ceil_div(s.blocks, og);
      const int64_t sums = images * blocks * s.sums;
      for (int64_t chunk : kChunkChoices) {
        const int64_t c = std::min(chunk, g.in_c);
        const int64_t need = sums + images * c * s.band + c * g.kh * g.kw * s.oc_block;
        if (need > l2_floats) continue;
        // Reads from L3 (or memory): the weights per image group, the input per channel group.
        const double cost = double(weights) * double(ig) + double(input) * double(og);
        if (best.oc_groups == 0 || cost < best_cost) {
          best = {og, ig, c};
          best_cost = cost;
        }
        break;
      }
    }
  }
  return best;
}

ChannelVectorPlan channel_vector_blocked_choice(const ConvGeometry& g, const Conv2dParams& p) {
  if (g.groups != 1 || g.out_c * g.in_c * g.kh * g.kw < kBlockedMinWeightFloats) return {};
  return plan_channel_vector_blocks(g, p, simd_level(), omp_get_max_threads(), kBlockedL2Floats);
}

void channel_vector_forward_blocked(float* y, const float* x, const float* w, const float* bias,
                                    const ConvGeometry& g, const Conv2dParams& p,
                                    const ChannelVectorPlan& plan) {
  const SimdLevel level = simd_level();
  const ChannelVectorKernel kernel = channel_vector_kernel(level);
  const BlockedSizes s = blocked_sizes(g, p, level);
  const int64_t oc_block = s.oc_block, taps = g.kh * g.kw, taps_per_oc = g.in_c * taps;
  const int64_t group_blocks = ceil_div(s.blocks, plan.oc_groups);
  const int64_t group_images = ceil_div(g.batch, plan.image_groups);
  const int64_t band_slack = channel_vector_slack(p.stride_w, g.kw);
  const int64_t sums_slack = channel_vector_sums_slack(oc_block);
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;
  const int64_t tasks = plan.oc_groups * plan.image_groups;

  // Static scheduling over (channel group, image group): deterministic, and each output
  // element is written by exactly one task.
#pragma omp parallel for schedule(static) if (tasks > 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t ob0 = t / plan.image_groups * group_blocks;
    const int64_t ob1 = std::min(ob0 + group_blocks, s.blocks);
    const int64_t b0 = t % plan.image_groups * group_images;
    const int64_t b1 = std::min(b0 + group_images, g.batch);
    if (ob0 >= ob1 || b0 >= b1) continue;
    const int64_t images = b1 - b0, blocks = ob1 - ob0;
    const int64_t band_floats = plan.chunk * s.band + band_slack;
    float* bands = scratch<float>(size_t(images * band_floats));  // [images][chunk][rows][row_len]
    const int64_t sums_floats = blocks * images * s.sums + sums_slack;
    float* work = scratch<float>(size_t(sums_floats + plan.chunk * taps * oc_block + oc_block), 1);
    float* sums = work;  // [blocks][images][pixels][oc_block]
    float* packed = work + sums_floats;  // [chunk * taps][oc_block]
    float* packed_bias = packed + plan.chunk * taps * oc_block;
    thread_local std::vector<int64_t> offsets;
    int64_t offsets_channels = 0;  // the chunk width `offsets` was made for

    for (int64_t c0 = 0; c0 < g.in_c; c0 += plan.chunk) {
      const int64_t channels = std::min(plan.chunk, g.in_c - c0);
      const bool first = c0 == 0, last = c0 + channels == g.in_c;
      for (int64_t i = 0; i < images; ++i) {
        float* band = bands + i * band_floats;
        fill_band(band, x + ((b0 + i) * g.in_c + c0) * in_hw, channels, g.h, g.w, -p.pad_h, s.rows,
                  1, s.row_len, p.pad_w);
        std::fill(band + channels * s.band, band + channels * s.band + band_slack, 0.0f);
      }
      const PaddedBand layout = band_layout(bands, s.rows, g.kw, 1, s.row_len);
      if (channels != offsets_channels) {  // the same for every chunk but a narrower last one
        patch_offsets(offsets, layout, channels, g.kh, g.kw);
        offsets_channels = channels;
      }
      for (int64_t ob = ob0; ob < ob1; ++ob) {
        const int64_t oc0 = ob * oc_block, valid = std::min(oc_block, g.out_c - oc0);
        // packed[(c * taps + k) * oc_block + o] = w[oc0 + o][c0 + c][k] (0 past valid)
        pack_weight_taps(packed, w, oc0, valid, taps_per_oc, oc_block, c0 * taps,
                         (c0 + channels) * taps);
        for (int64_t o = 0; o < oc_block; ++o)
          packed_bias[o] = o < valid && bias ? bias[oc0 + o] : 0.0f;
        // Images in pairs: rows of 7 outputs go two to a tile, an odd last row with the next
        // image's first.
        auto sums_of = [&](int64_t i) { return sums + ((ob - ob0) * images + i) * s.sums; };
        auto y_of = [&](int64_t i) { return y + ((b0 + i) * g.out_c + oc0) * out_hw; };
        // The next block's weight rows (from memory, most likely) come into L2 while this
        // one computes: a share of them before each pair of images.
        const int64_t next_ob = ob + 1 < ob1 ? ob + 1 : ob0;
        const int64_t next_c0 = ob + 1 < ob1 ? c0 : c0 + plan.chunk;
        const int64_t next_valid =
            next_c0 < g.in_c ? std::min(oc_block, g.out_c - next_ob * oc_block) : 0;
        const int64_t next_taps = std::min(plan.chunk, g.in_c - next_c0) * taps;
        const int64_t pairs = (images + 1) / 2;
        for (int64_t i = 0; i < images; i += 2) {
          for (int64_t o = i / 2 * next_valid / pairs; o < (i / 2 + 1) * next_valid / pairs; ++o)
            prefetch_floats_l2(w + (next_ob * oc_block + o) * taps_per_oc + next_c0 * taps,
                               next_taps);
          PaddedBand in = layout;
          in.data = bands + i * band_floats;
          const DirectConvBlock blk{in,      p.stride_h, offsets.data(), channels * taps, packed,
                                    packed_bias, y_of(i), out_hw, g.out_h, g.out_w, valid};
          const ChannelVectorNext next{bands + (i + 1) * band_floats, y_of(i + 1), sums_of(i + 1)};
          kernel(blk, p.stride_w, g.out_w, 1, {sums_of(i), !first, !last},
                 i + 1 < images ? &next : nullptr);
        }
      }
    }
  }
}

}  // namespace msq::cpu
