// Several ROC curves per plot and several plots per image: the protocol report's figure
// (each classical/hybrid pair on one panel, one panel per pair and plane). Each panel is
// drawn as roc_plot.h draws one curve (unit square, grid and ticks every 0.2, dashed
// chance diagonal) with a title on top and a legend of "label AUC" lines in the curves'
// colours at the lower right.
#pragma once
#include <string>
#include <vector>

#include "engine/metrics/canvas.h"
#include "engine/metrics/roc.h"

namespace msq::metrics {

struct RocSeries {
  RocCurve roc;
  double auc = 0;
  Rgb color{31, 119, 180};
  std::string label;
};

struct RocPanel {
  std::string title;
  std::vector<RocSeries> series;
};

// The colours of the series, in order (blue, orange, green, red, purple, then repeated).
Rgb series_color(size_t index);

// One panel in the square of side `size` (>= 200) with its top-left corner at (x, y).
void draw_roc_panel(Canvas& canvas, int64_t x, int64_t y, int64_t size, const RocPanel& panel);
// The panels in a grid `columns` wide, each size x size pixels, written as a PNG atomically.
void write_roc_panels_png(const std::string& path, const std::vector<RocPanel>& panels, int64_t columns,
                          int64_t size = 420);

}  // namespace msq::metrics
