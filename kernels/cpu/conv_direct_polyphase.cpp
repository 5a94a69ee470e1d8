// The input gradient of a strided float32 convolution by the direct kernels (conv_direct.h),
// split into stride phases ("polyphase"):
//   gx[c][h][w] = sum over o, i, j with h = oh * sh + i - pad_h, w = ow * sw + j - pad_w
//                 of gy[o][oh][ow] * w[o][c][i][j].
// Fix the phase of an input position, h = a * sh + ph and w = b * sw + pw. Only the taps
// i = ph + pad_h (mod sh) and j = pw + pad_w (mod sw) reach it, from
// oh = a + (ph + pad_h - i) / sh, ow = b + (pw + pad_w - j) / sw: each phase plane of gx
// is a stride-1 convolution of gy with a sub-kernel of w. For 3x3, stride 2, padding 1 the
// four sub-kernels are 1x1, 1x2, 2x1 and 2x2: together the 9 taps, no multiplications by
// the zeros that im2col's transposed GEMM + col2im would not skip either, but no column
// matrix. All phases read one padded band of gy; each computes a block of gx channels into
// a small buffer, and the phases are interleaved into gx while the buffer is in cache. Where
// channel_vector_polyphase_preferred() (phase rows <= 32 wide), the channel-vector tiles
// (conv_channel_vector.h) compute the phases instead and write them straight into gx.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/conv_channel_vector.h"
#include "kernels/cpu/conv_direct.h"

namespace msq::cpu {

namespace {


// A padded band of gy holds about this many floats (as the forward's bands).
constexpr int64_t kPolyphaseBandBudget = int64_t(1) << 16;

// Python-style floor division (the shifts below can be negative).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The kernel taps k < size that reach phase q of an input axis with this stride and
// padding, and how far each reads: gy index = phase index + shift.
struct AxisTaps {
  std::vector<int64_t> taps, shifts;
};
AxisTaps axis_taps(int64_t q, int64_t size, int64_t stride, int64_t pad) {
  AxisTaps a;
  for (int64_t k = 0; k < size; ++k) {
    const int64_t d = q + pad - k;
    if (floor_div(d, stride) * stride != d) continue;
    a.taps.push_back(k);
    a.shifts.push_back(d / stride);
  }
  return a;
}

// One phase (ph, pw): its taps and, per output-channel block, the packed weights
// [Cout_g][taps_h][taps_w][oc_block] (the band's channels are gy's, the outputs gx's).
struct Phase {
  AxisTaps rows, cols;
  int64_t patch = 0;
  std::vector<int64_t> offsets;  // into the band, set once its layout is known
  std::vector<float> packed;     // [groups][blocks][patch][oc_block]
};

}  // namespace

void direct_conv_backward_input_polyphase(float* gx, const float* gy, const float* w,
                                          const ConvGeometry& g, const Conv2dParams& p) {
  const SimdLevel level = simd_level();
  // The channel-vector tiles (conv_channel_vector.h) where they win, else the direct ones.
  const bool by_channels = channel_vector_polyphase_preferred(g, p);
  const int64_t oc_block = by_channels ? channel_vector_oc_block(level) : direct_conv_oc_block(level);
  auto block_kernel = level == SimdLevel::avx512 ? direct_conv_block_avx512 : direct_conv_block_avx2;
  const ChannelVectorKernel channel_kernel = channel_vector_kernel(level);
  const int64_t sh = p.stride_h, sw = p.stride_w, taps = g.kh * g.kw;
  // Phase planes: rows a < out_rows, columns b < out_cols (the largest phase's size).
  const int64_t out_rows = ceil_div(g.h, sh), out_cols = ceil_div(g.w, sw);
  const int64_t blocks = ceil_div(g.in_cg, oc_block);

  // Every phase's taps, and the band's reach: gy rows a + lo_h .. a + hi_h are read.
  std::vector<Phase> phases(size_t(sh * sw));
  int64_t lo_h = 0, hi_h = 0, lo_w = 0, hi_w = 0;
  for (int64_t ph = 0; ph < sh; ++ph) {
    for (int64_t pw = 0; pw < sw; ++pw) {
      Phase& f = phases[size_t(ph * sw + pw)];
      f.rows = axis_taps(ph, g.kh, sh, p.pad_h);
      f.cols = axis_taps(pw, g.kw, sw, p.pad_w);
      f.patch = g.out_cg * int64_t(f.rows.taps.size() * f.cols.taps.size());
      for (int64_t s : f.rows.shifts) lo_h = std::min(lo_h, s), hi_h = std::max(hi_h, s);
      for (int64_t s : f.cols.shifts) lo_w = std::min(lo_w, s), hi_w = std::max(hi_w, s);
      // packed[((gr * blocks + blk) * patch + (o * nh + u) * nw + v) * oc_block + cc]
      //   = w[gr * Cout_g + o][blk * oc_block + cc][rows.taps[u]][cols.taps[v]] (0 past Cin_g)
      const int64_t nh = int64_t(f.rows.taps.size()), nw = int64_t(f.cols.taps.size());
      f.packed.assign(size_t(g.groups * blocks * f.patch * oc_block), 0.0f);
      for (int64_t gr = 0; gr < g.groups; ++gr)
        for (int64_t blk = 0; blk < blocks; ++blk)
          for (int64_t o = 0; o < g.out_cg; ++o)
            for (int64_t u = 0; u < nh; ++u)
              for (int64_t v = 0; v < nw; ++v)
                for (int64_t cc = 0; cc < oc_block && blk * oc_block + cc < g.in_cg; ++cc) {
                  const int64_t c = blk * oc_block + cc;
                  const int64_t tap = f.rows.taps[size_t(u)] * g.kw + f.cols.taps[size_t(v)];
                  f.packed[size_t((((gr * blocks + blk) * f.patch) + (o * nh + u) * nw + v) *
                                      oc_block + cc)] =
                      w[((gr * g.out_cg + o) * g.in_cg + c) * taps + tap];
                }
    }
  }
  const int64_t reach_h = hi_h - lo_h + 1, reach_w = hi_w - lo_w + 1;
  const int64_t row_len = padded_row_len(out_cols, reach_w, 1);

  // Bands of phase rows, as the forward's: within the budget, and enough for the threads.
  const int64_t in_row = g.out_cg * row_len;
  const int64_t fit_rows = std::max<int64_t>(kPolyphaseBandBudget / in_row, reach_h);
  int64_t band_rows = std::clamp<int64_t>(fit_rows - reach_h + 1, 1, out_rows);
  const int64_t images = g.batch * g.groups, threads = omp_get_max_threads();
  if (images * ceil_div(out_rows, band_rows) < 2 * threads && images < threads)
    band_rows = std::max<int64_t>(1, out_rows / ceil_div(2 * threads, images));
  const int64_t bands = ceil_div(out_rows, band_rows);
  const int64_t max_rows = band_rows + reach_h - 1;
  const int64_t in_hw = g.h * g.w, out_hw = g.out_h * g.out_w;
  const int64_t plane = band_rows * out_cols;  // one channel of one phase in the buffer
  const std::vector<float> zero_bias(size_t(oc_block), 0.0f);

#pragma omp parallel for schedule(static) if (images * bands > 1)
  for (int64_t t = 0; t < images * bands; ++t) {
    const int64_t img = t / bands, band = t % bands, b = img / g.groups, gr = img % g.groups;
    const int64_t a0 = band * band_rows, a1 = std::min(a0 + band_rows, out_rows);
    const int64_t rows = a1 - a0 + reach_h - 1;
    // buf: the gy band [Cout_g][max_rows][row_len], then the phase outputs
    // [sh * sw][oc_block][band_rows][out_cols].
    float* buf = scratch<float>(size_t(g.out_cg * max_rows * row_len +
                                       sh * sw * oc_block * plane + channel_vector_slack(1, 1)));
    float* out = buf + g.out_cg * max_rows * row_len;
    fill_band(buf, gy + (b * g.out_c + gr * g.out_cg) * out_hw, g.out_cg, g.out_h, g.out_w,
              a0 + lo_h, rows, 1, row_len, -lo_w);
    const PaddedBand layout = band_layout(buf, rows, 1, 1, row_len);
    thread_local std::vector<std::vector<int64_t>> offsets;
    offsets.resize(phases.size());
    for (size_t q = 0; q < phases.size(); ++q) {
      const Phase& f = phases[q];
      std::vector<int64_t>& off = offsets[q];
      off.clear();
      for (int64_t o = 0; o < g.out_cg; ++o)
        for (int64_t dh : f.rows.shifts)
          for (int64_t dw : f.cols.shifts)
            off.push_back((o * rows + dh - lo_h) * row_len + dw - lo_w);
    }
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t c0 = blk * oc_block, valid = std::min(oc_block, g.in_cg - c0);
      if (by_channels) {
        // Each phase straight into gx: phase (ph, pw) has the rows a < ceil((H - ph) / sh)
        // and columns b < ceil((W - pw) / sw); its pixel (a, b) is gx[a * sh + ph][b * sw + pw].
        float* gx_blk = gx + (b * g.in_c + gr * g.in_cg + c0) * in_hw;
        for (size_t q = 0; q < phases.size(); ++q) {
          const Phase& f = phases[q];
          const int64_t ph = int64_t(q) / sw, pw = int64_t(q) % sw;
          const int64_t rows_q = std::min(a1, ceil_div(g.h - ph, sh)) - a0;
          const int64_t cols_q = ceil_div(g.w - pw, sw);
          if (rows_q <= 0 || cols_q <= 0) continue;
          DirectConvBlock k{layout,  1,
                            offsets[q].data(),
                            f.patch,
                            f.packed.data() + (gr * blocks + blk) * f.patch * oc_block,
                            zero_bias.data(),
                            gx_blk + (a0 * sh + ph) * g.w + pw,
                            in_hw,   rows_q,
                            cols_q,  valid};
          channel_kernel(k, 1, sh * g.w, sw, {}, nullptr);
        }
        continue;
      }
      for (size_t q = 0; q < phases.size(); ++q) {
        const Phase& f = phases[q];
        DirectConvBlock k{layout,  1,
                          offsets[q].data(),
                          f.patch,
                          f.packed.data() + (gr * blocks + blk) * f.patch * oc_block,
                          zero_bias.data(),
                          out + int64_t(q) * oc_block * plane,
                          plane,   a1 - a0,
                          out_cols, valid};
        block_kernel(k);
      }
      // gx[c][a * sh + ph][b * sw + pw] = out[ph * sw + pw][c - c0][a - a0][b].
      for (int64_t cc = 0; cc < valid; ++cc) {
        float* gxc = gx + (b * g.in_c + gr * g.in_cg + c0 + cc) * in_hw;
        for (int64_t a = a0; a < a1; ++a) {
          for (int64_t ph = 0; ph < sh && a * sh + ph < g.h; ++ph) {
            float* row = gxc + (a * sh + ph) * g.w;
            auto phase_row = [&](int64_t pw) {
              return out + ((ph * sw + pw) * oc_block + cc) * plane + (a - a0) * out_cols;
            };
            if (sw == 2) {
              merge_column_phases(row, g.w, phase_row(0), phase_row(1));
              continue;
            }
            for (int64_t pw = 0; pw < sw; ++pw) {
              const float* src = phase_row(pw);
              for (int64_t col = 0; col * sw + pw < g.w; ++col) row[col * sw + pw] = src[col];
            }
          }
        }
      }
    }
  }
}

}  // namespace msq::cpu
