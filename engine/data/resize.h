// Bilinear resizing as PIL's Image.resize(BILINEAR) and torchvision's
// resize(antialias=True) (torch.nn.functional.interpolate(mode="bilinear",
// align_corners=False, antialias=True)) define it, separably along each axis.
//
// For an axis of `in` input and `out` output pixels, with scale = in / out and
// support = max(scale, 1) (the triangle widens with the shrink factor, so shrinking averages
// every input pixel the output pixel covers instead of aliasing):
//   centre_i = (i + 0.5) * scale
//   lo_i = max(0, trunc(centre_i - support + 0.5)),  hi_i = min(in, trunc(centre_i + support + 0.5))
//   w_ij = tri((j + 0.5 - centre_i) / support) for j in [lo_i, hi_i), tri(x) = max(0, 1 - |x|)
//   out_i = sum_j w_ij in_j / sum_j w_ij
// When enlarging (scale <= 1) this is exactly bilinear interpolation with half-pixel
// centres and edge clamping (align_corners=False). antialias=false keeps support = 1 when
// shrinking too (plain bilinear, as interpolate(antialias=False)).
#pragma once
#include <cstdint>

#include "engine/core/tensor.h"

namespace msq::data {

// image: float32 [C, H, W] -> float32 [C, out_height, out_width]. Horizontal pass first.
Tensor resize_bilinear(const Tensor& image, int64_t out_height, int64_t out_width,
                       bool antialias = true);

}  // namespace msq::data
