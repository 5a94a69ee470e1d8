// The shifted band (see conv_shifted_band.h).
#include "kernels/cpu/conv_shifted_band.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/conv_direct.h"

namespace msq::cpu {

ShiftedBand::ShiftedBand(const ConvGeometry& g, const Conv2dParams& p)
    : in_c(g.in_cg),
      kh(g.kh),
      kw(g.kw),
      sh(p.stride_h),
      sw(p.stride_w),
      pad_h(p.pad_h),
      pad_w(p.pad_w),
      h(g.h),
      w(g.w),
      out_w(g.out_w) {}

void ShiftedBand::fill(float* band, float* phases, const float* x, int64_t oh0,
                       int64_t out_rows) const {
  const int64_t rows = rows_for(out_rows), blk = block(out_rows), len = phase_len();
  const int64_t r0 = std::clamp<int64_t>(oh0 * sh - pad_h, 0, h);
  const int64_t r1 = std::clamp<int64_t>((oh0 + rows) * sh - pad_h, 0, h);
  for (int64_t c = 0; c < in_c; ++c) {
    if (c + 1 < in_c) prefetch_floats(x + ((c + 1) * h + r0) * w, (r1 - r0) * w);
    for (int64_t ph = 0; ph < sh; ++ph) {
      float* dst = band + (c * sh + ph) * kw * blk;  // + j * blk + t * out_w
      for (int64_t t = 0; t < rows; ++t) {
        const int64_t ih = (oh0 + t) * sh + ph - pad_h;
        if (ih < 0 || ih >= h) {
          for (int64_t j = 0; j < kw; ++j)
            std::memset(dst + j * blk + t * out_w, 0, sizeof(float) * size_t(out_w));
          continue;
        }
        // Column j of output ow reads input column sw * ow + j - pad_w: phase j % sw at
        // ow + j / sw.
        split_column_phases(phases, len, x + (c * h + ih) * w, w, sw, -pad_w, len);
        for (int64_t j = 0; j < kw; ++j)
          copy_row(dst + j * blk + t * out_w, phases + (j % sw) * len + j / sw, out_w);
      }
    }
  }
  std::memset(band + in_c * sh * kw * blk, 0, sizeof(float) * size_t(kSlack));
}

void ShiftedBand::tap_offsets(int64_t* offsets, int64_t out_rows) const {
  const int64_t blk = block(out_rows);
  for (int64_t c = 0; c < in_c; ++c)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j)
        offsets[(c * kh + i) * kw + j] = ((c * sh + i % sh) * kw + j) * blk + (i / sh) * out_w;
}

}  // namespace msq::cpu
