// A "shifted band": the input rows that a band of output rows reads, copied so that every
// tap of the kernel reads the band's output positions in one unit-stride run.
//
// For output rows [oh0, oh0 + out_rows) of one image x: [C, H, W], a band of a stride-(sh, sw)
// convolution with a KH x KW kernel holds, for each channel c, input-row phase ph < sh (the
// row index modulo the vertical stride) and kernel column j < KW, the rows
//   band[c][ph][j][t][ow] = x[c][(oh0 + t) * sh + ph - pad_h][ow * sw + j - pad_w]
// (0 outside the image), t < out_rows + (KH - 1) / sh, each exactly out_w floats long. Tap
// (c, i, j) at output position p = r * out_w + ow then reads band[offsets[t] + p], with
// offsets[t] = ((c * sh + i % sh) * KW + j) * block + (i / sh) * out_w: the positions of the
// whole band, across rows, are one run. im2col copies x once per (i, j); this copies it once
// per j (and stride-phase of i). Used by the direct weight gradient (conv_direct_weight.cpp).
#pragma once
#include <cstdint>

#include "kernels/cpu/conv_common.h"

namespace msq::cpu {

struct ShiftedBand {
  int64_t in_c, kh, kw, sh, sw, pad_h, pad_w, h, w, out_w;

  // The band of one group of a convolution: in_c = its input channels.
  ShiftedBand(const ConvGeometry& g, const Conv2dParams& p);

  // Readable floats past the band, so that a vector tile reading past the last position
  // stays inside the buffer (those lanes are never stored).
  static constexpr int64_t kSlack = 64;

  int64_t rows_for(int64_t out_rows) const { return out_rows + (kh - 1) / sh; }
  // Floats per (c, ph, j) block, per band of out_rows, per output row of a large band.
  int64_t block(int64_t out_rows) const { return rows_for(out_rows) * out_w; }
  int64_t size(int64_t out_rows) const { return in_c * sh * kw * block(out_rows) + kSlack; }
  int64_t floats_per_row() const { return in_c * sh * kw * out_w; }
  // Scratch that `fill` needs for one input row's column phases.
  int64_t phases_size() const { return sw * phase_len(); }

  // band: size(out_rows) floats; phases: phases_size() floats; x: [in_c, h, w].
  void fill(float* band, float* phases, const float* x, int64_t oh0, int64_t out_rows) const;
  // offsets[(c * kh + i) * kw + j]: where tap (c, i, j) reads position 0 of the band.
  void tap_offsets(int64_t* offsets, int64_t out_rows) const;

 private:
  int64_t phase_len() const { return out_w + (kw - 1) / sw; }
};

}  // namespace msq::cpu
