// The two ways a CUDA convolution computes; conv.cu picks one per call and adds the bias.
// - cuDNN (conv_cudnn.cpp): descriptors and the measured-fastest algorithm cached per shape;
//   only built with cuDNN's headers (MSQ_WITH_CUDNN) and used when libcudnn.so.9 opens.
// - im2col + the backend's GEMM (conv_im2col.cu): always there, slower.
// Every view is contiguous NCHW (w: [Cout, Cin / groups, KH, KW]), float32 or float64, on the
// current device; outputs are overwritten. Plain C++ (no cuDNN types): tests include it.
#pragma once
#include <string>

#include "kernels/conv_params.h"
#include "kernels/strided_view.h"

namespace msq::cuda {

// True when convolutions go through cuDNN.
bool cudnn_conv_available();
// "cuDNN 91900 (libcudnn.so.9)", or why cuDNN is not used.
std::string conv_path_description();

// Each returns false when cuDNN has no algorithm for the case (the caller falls back).
// y: [B, Cout, Ho, Wo] from x: [B, Cin, H, W] and w.
bool cudnn_conv_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                        const Conv2dParams& p);
// gx: [B, Cin, H, W] from gy: [B, Cout, Ho, Wo] and w.
bool cudnn_conv_backward_input(const StridedView& gx, const StridedView& gy, const StridedView& w,
                               const Conv2dParams& p);
// gw: [Cout, Cin / groups, KH, KW] from gy and x.
bool cudnn_conv_backward_weight(const StridedView& gw, const StridedView& gy, const StridedView& x,
                                const Conv2dParams& p);

// The same three through im2col (or col2im) and GEMM.
void im2col_conv_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                         const Conv2dParams& p);
void im2col_conv_backward_input(const StridedView& gx, const StridedView& gy,
                                const StridedView& w, const Conv2dParams& p);
void im2col_conv_backward_weight(const StridedView& gw, const StridedView& gy,
                                 const StridedView& x, const Conv2dParams& p);

}  // namespace msq::cuda
