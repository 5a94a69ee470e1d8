// im2col and its adjoint for the CPU convolutions' GEMM path (conv.cpp's row tiles), float
// and double.
#pragma once
#include <cstdint>

#include "kernels/conv_params.h"
#include "kernels/cpu/conv_common.h"

namespace msq::cpu {

// Whether a convolution is 1x1, stride 1, unpadded: the image [Cin, H*W] is already the
// GEMM's operand, no im2col needed (conv.cpp, conv_whole_batch.cpp).
inline bool is_pointwise(const ConvGeometry& g, const Conv2dParams& p) {
  return g.kh == 1 && g.kw == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 &&
         p.pad_w == 0;
}

// col: [K = Cin_g * KH * KW, (oh1 - oh0) * Wo] for output rows [oh0, oh1) of one image's
// group; x: [Cin_g, H, W]. `threaded`: split the rows of col over OpenMP threads.
template <class T>
void im2col_rows(T* col, const T* x, const ConvGeometry& g, const Conv2dParams& p, int64_t oh0,
                 int64_t oh1, bool threaded);

// The adjoint of im2col_rows: adds col's entries into gx: [Cin_g, H, W].
// `threaded`: one thread per input channel, so no two threads touch the same element.
template <class T>
void col2im_rows(T* gx, const T* col, const ConvGeometry& g, const Conv2dParams& p, int64_t oh0,
                 int64_t oh1, bool threaded);

}  // namespace msq::cpu
