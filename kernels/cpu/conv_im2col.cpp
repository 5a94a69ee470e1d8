// im2col and col2im (conv_im2col.h).
#include "kernels/cpu/conv_im2col.h"

#include <algorithm>

namespace msq::cpu {

template <class T>
void im2col_rows(T* col, const T* x, const ConvGeometry& g, const Conv2dParams& p, int64_t oh0,
                 int64_t oh1, bool threaded) {
  const int64_t ncols = (oh1 - oh0) * g.out_w, k = g.patch();
#pragma omp parallel for schedule(static) if (threaded && k * ncols > 32768)
  for (int64_t r = 0; r < k; ++r) {
    const int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
    const T* xc = x + c * g.h * g.w;
    const int64_t off_w = j * p.dilation_w - p.pad_w;
    int64_t lo, hi;
    valid_range(off_w, p.stride_w, g.w, g.out_w, lo, hi);
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      T* o = col + r * ncols + (oh - oh0) * g.out_w;
      const int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
      if (ih < 0 || ih >= g.h) {
        std::fill(o, o + g.out_w, T(0));
        continue;
      }
      const T* xrow = xc + ih * g.w + off_w;
      std::fill(o, o + lo, T(0));
      if (p.stride_w == 1) {
        std::copy(xrow + lo, xrow + hi, o + lo);
      } else {
        for (int64_t ow = lo; ow < hi; ++ow) o[ow] = xrow[ow * p.stride_w];
      }
      std::fill(o + hi, o + g.out_w, T(0));
    }
  }
}

template <class T>
void col2im_rows(T* gx, const T* col, const ConvGeometry& g, const Conv2dParams& p, int64_t oh0,
                 int64_t oh1, bool threaded) {
  const int64_t ncols = (oh1 - oh0) * g.out_w;
#pragma omp parallel for schedule(static) if (threaded && g.patch() * ncols > 32768)
  for (int64_t c = 0; c < g.in_cg; ++c) {
    T* gc = gx + c * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t r = (c * g.kh + i) * g.kw + j;
        const int64_t off_w = j * p.dilation_w - p.pad_w;
        int64_t lo, hi;
        valid_range(off_w, p.stride_w, g.w, g.out_w, lo, hi);
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          const int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
          if (ih < 0 || ih >= g.h) continue;
          const T* src = col + r * ncols + (oh - oh0) * g.out_w;
          T* dst = gc + ih * g.w + off_w;
          if (p.stride_w == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += src[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow * p.stride_w] += src[ow];
          }
        }
      }
    }
  }
}

template void im2col_rows(float*, const float*, const ConvGeometry&, const Conv2dParams&, int64_t,
                          int64_t, bool);
template void im2col_rows(double*, const double*, const ConvGeometry&, const Conv2dParams&,
                          int64_t, int64_t, bool);
template void col2im_rows(float*, const float*, const ConvGeometry&, const Conv2dParams&, int64_t,
                          int64_t, bool);
template void col2im_rows(double*, const double*, const ConvGeometry&, const Conv2dParams&,
                          int64_t, int64_t, bool);

}  // namespace msq::cpu
