// Depthwise 2-D convolution (groups == Cin, output channel oc reads input channel
// oc / multiplier) as direct loops: for each kernel tap, a run over the valid output columns
// that the compiler vectorises when the stride is 1. Threads over (image, channel).
#include <algorithm>

#include "kernels/cpu/conv_common.h"

namespace msq::cpu {

// y: [B, Cout, Ho, Wo], x: [B, Cin, H, W], w: [Cout, 1, KH, KW], bias: [Cout] or null.
template <class T>
void depthwise_forward(T* y, const T* x, const T* w, const T* bias, const ConvGeometry& g,
                       const Conv2dParams& p) {
  const int64_t mult = g.out_c / g.in_c, out_hw = g.out_h * g.out_w, in_hw = g.h * g.w;
#pragma omp parallel for schedule(static)
  for (int64_t bc = 0; bc < g.batch * g.out_c; ++bc) {
    const int64_t b = bc / g.out_c, oc = bc % g.out_c;
    const T* xc = x + (b * g.in_c + oc / mult) * in_hw;
    const T* wc = w + oc * g.kh * g.kw;
    T* yc = y + bc * out_hw;
    std::fill(yc, yc + out_hw, bias ? bias[oc] : T(0));
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      T* yrow = yc + oh * g.out_w;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
        if (ih < 0 || ih >= g.h) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t off = j * p.dilation_w - p.pad_w;
          int64_t lo, hi;
          valid_range(off, p.stride_w, g.w, g.out_w, lo, hi);
          const T wv = wc[i * g.kw + j];
          const T* xrow = xc + ih * g.w + off;
          if (p.stride_w == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += wv * xrow[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += wv * xrow[ow * p.stride_w];
          }
        }
      }
    }
  }
}

// gx: [B, Cin, H, W] (overwritten), gy: [B, Cout, Ho, Wo], w: [Cout, 1, KH, KW].
template <class T>
void depthwise_backward_input(T* gx, const T* gy, const T* w, const ConvGeometry& g,
                              const Conv2dParams& p) {
  const int64_t mult = g.out_c / g.in_c, out_hw = g.out_h * g.out_w, in_hw = g.h * g.w;
#pragma omp parallel for schedule(static)
  for (int64_t bc = 0; bc < g.batch * g.in_c; ++bc) {
    const int64_t b = bc / g.in_c, ic = bc % g.in_c;
    T* gxc = gx + bc * in_hw;
    std::fill(gxc, gxc + in_hw, T(0));
    for (int64_t m = 0; m < mult; ++m) {
      const int64_t oc = ic * mult + m;
      const T* gyc = gy + (b * g.out_c + oc) * out_hw;
      const T* wc = w + oc * g.kh * g.kw;
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const T* gyrow = gyc + oh * g.out_w;
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t off = j * p.dilation_w - p.pad_w;
            int64_t lo, hi;
            valid_range(off, p.stride_w, g.w, g.out_w, lo, hi);
            const T wv = wc[i * g.kw + j];
            T* gxrow = gxc + ih * g.w + off;
            if (p.stride_w == 1) {
              for (int64_t ow = lo; ow < hi; ++ow) gxrow[ow] += wv * gyrow[ow];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) gxrow[ow * p.stride_w] += wv * gyrow[ow];
            }
          }
        }
      }
    }
  }
}

// gw: [Cout, 1, KH, KW] (overwritten), gy: [B, Cout, Ho, Wo], x: [B, Cin, H, W].
template <class T>
void depthwise_backward_weight(T* gw, const T* gy, const T* x, const ConvGeometry& g,
                               const Conv2dParams& p) {
  const int64_t mult = g.out_c / g.in_c, out_hw = g.out_h * g.out_w, in_hw = g.h * g.w;
  const int64_t taps = g.kh * g.kw;
#pragma omp parallel for schedule(static)
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t i = t / g.kw, j = t % g.kw;
      const int64_t off = j * p.dilation_w - p.pad_w;
      int64_t lo, hi;
      valid_range(off, p.stride_w, g.w, g.out_w, lo, hi);
      double acc = 0;
      for (int64_t b = 0; b < g.batch; ++b) {
        const T* gyc = gy + (b * g.out_c + oc) * out_hw;
        const T* xc = x + (b * g.in_c + oc / mult) * in_hw;
        T s = 0;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          const int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
          if (ih < 0 || ih >= g.h) continue;
          const T* gyrow = gyc + oh * g.out_w;
          const T* xrow = xc + ih * g.w + off;
          if (p.stride_w == 1) {
#pragma omp simd reduction(+ : s)
            for (int64_t ow = lo; ow < hi; ++ow) s += gyrow[ow] * xrow[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) s += gyrow[ow] * xrow[ow * p.stride_w];
          }
        }
        acc += s;
      }
      gw[oc * taps + t] = static_cast<T>(acc);
    }
  }
}

template void depthwise_forward(float*, const float*, const float*, const float*,
                                const ConvGeometry&, const Conv2dParams&);
template void depthwise_backward_input(float*, const float*, const float*, const ConvGeometry&,
                                       const Conv2dParams&);
template void depthwise_backward_weight(float*, const float*, const float*, const ConvGeometry&,
                                        const Conv2dParams&);
template void depthwise_forward(double*, const double*, const double*, const double*,
                                const ConvGeometry&, const Conv2dParams&);
template void depthwise_backward_input(double*, const double*, const double*, const ConvGeometry&,
                                       const Conv2dParams&);
template void depthwise_backward_weight(double*, const double*, const double*, const ConvGeometry&,
                                        const Conv2dParams&);

}  // namespace msq::cpu
