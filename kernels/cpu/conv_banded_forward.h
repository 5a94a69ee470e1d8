// The task loop the direct and channel-vector convolution forwards share: weights packed
// per (group, output-channel block) once per call, then tasks over (image, group, band of
// output rows), each copying the input rows its band reads into a padded band (conv_direct.h)
// and running a register-tile kernel over every output-channel block. Only the band's column
// phases, its slack and the tile kernel differ between the two paths.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/conv_direct.h"

namespace msq::cpu {

// A padded band holds about this many floats (256 KB: it stays in L2 while every output
// channel block sweeps over it).
constexpr int64_t kBandBudget = int64_t(1) << 16;

// The weights and biases of every group packed by pack_weight_blocks, in the calling
// thread's second scratch buffer (kept between calls: no zeroing, no page faults per call;
// the tasks use the first buffer of their own thread). Valid until that thread packs again.
// weights: [groups][blocks][in_cg * kh * kw][oc_block], bias: [groups][blocks][oc_block].
struct PackedConvWeights {
  const float* weights;
  const float* bias;
};
PackedConvWeights pack_group_weights(const float* w, const float* bias, const ConvGeometry& g,
                                     int64_t oc_block);

// y: [B, Cout, Ho, Wo] from x: [B, Cin, H, W]. Each band has `phases` column phases of
// row_len floats per row and `slack` zero floats after it (for tiles that read past its
// last row); run_block(blk) computes one output-channel block of a band, blk.y pointing at
// its first output (channel oc0, row oh0).
template <class RunBlock>
void banded_forward(float* y, const float* x, PackedConvWeights packed, const ConvGeometry& g,
                    const Conv2dParams& p, int64_t oc_block, int64_t row_len, int64_t phases,
                    int64_t slack, RunBlock run_block) {
  const int64_t sh = p.stride_h;
  const int64_t taps_per_oc = g.in_cg * g.kh * g.kw, blocks = ceil_div(g.out_cg, oc_block);

  // Bands of output rows: as many as fit the budget, and enough bands for every thread.
  const int64_t in_row = g.in_cg * phases * row_len;
  const int64_t fit_rows = std::max<int64_t>(kBandBudget / in_row, g.kh);
  const int64_t images = g.batch * g.groups;
  const RowBands split =
      split_output_rows(g.out_h, (fit_rows - g.kh) / sh + 1, images, omp_get_max_threads());
  const int64_t band_rows = split.rows, bands = split.count;
  const int64_t max_rows = (band_rows - 1) * sh + g.kh;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;

  // Static scheduling over (image, group, band): deterministic, and each output element
  // is written by exactly one task.
#pragma omp parallel for schedule(static) if (images * bands > 1)
  for (int64_t t = 0; t < images * bands; ++t) {
    const int64_t img = t / bands, band = t % bands, b = img / g.groups, gr = img % g.groups;
    const int64_t oh0 = band * band_rows, oh1 = std::min(oh0 + band_rows, g.out_h);
    const int64_t rows = (oh1 - oh0 - 1) * sh + g.kh;
    const int64_t band_size = g.in_cg * rows * phases * row_len;
    float* buf = scratch<float>(size_t(g.in_cg * max_rows * phases * row_len + slack));
    fill_band(buf, x + (b * g.in_c + gr * g.in_cg) * in_hw, g.in_cg, g.h, g.w, oh0 * sh - p.pad_h,
              rows, phases, row_len, p.pad_w);
    std::fill(buf + band_size, buf + band_size + slack, 0.0f);
    const PaddedBand layout = band_layout(buf, rows, g.kw, phases, row_len);
    thread_local std::vector<int64_t> offsets;
    patch_offsets(offsets, layout, g.in_cg, g.kh, g.kw);
    DirectConvBlock blk{layout,  sh,        offsets.data(), taps_per_oc, nullptr, nullptr, nullptr,
                        out_hw,  oh1 - oh0, g.out_w,        0};
    for (int64_t ob = 0; ob < blocks; ++ob) {
      const int64_t oc0 = ob * oc_block;
      blk.weights = packed.weights + (gr * blocks + ob) * taps_per_oc * oc_block;
      blk.bias = packed.bias + (gr * blocks + ob) * oc_block;
      blk.y = y + (b * g.out_c + gr * g.out_cg + oc0) * out_hw + oh0 * g.out_w;
      blk.valid_oc = std::min(oc_block, g.out_cg - oc0);
      run_block(blk);
    }
  }
}

}  // namespace msq::cpu
