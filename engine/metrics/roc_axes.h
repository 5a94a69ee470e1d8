// The frame every ROC plot shares: in a size x size square at (x0, y0), the unit square
// framed, grid lines and labelled ticks every 0.2 on both axes, the dashed grey chance
// diagonal, and "FPR" / "TPR" axis names. roc_plot.h and roc_panels.h draw on top of it.
#pragma once
#include <cstdint>

#include "engine/metrics/canvas.h"

namespace msq::metrics {

struct RocAxes {
  int64_t x0 = 0, y0 = 0, size = 0;
  int64_t left = 0, top = 0, side = 0;
  int scale = 1;  // line and text scale: 2 from 400 pixels on
  // Unit-square coordinates -> pixels.
  double px(double v) const { return static_cast<double>(x0 + left) + v * static_cast<double>(side); }
  double py(double v) const { return static_cast<double>(y0 + top) + (1 - v) * static_cast<double>(side); }
};

// Draws the frame (size >= 200, checked by the callers) and returns its pixel mapping.
RocAxes draw_roc_axes(Canvas& canvas, int64_t x0, int64_t y0, int64_t size);

}  // namespace msq::metrics
