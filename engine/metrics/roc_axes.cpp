#include "engine/metrics/roc_axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace msq::metrics {

RocAxes draw_roc_axes(Canvas& canvas, int64_t x0, int64_t y0, int64_t size) {
  const Rgb black{0, 0, 0}, grid{225, 225, 225}, grey{150, 150, 150};
  RocAxes a;
  a.x0 = x0;
  a.y0 = y0;
  a.size = size;
  a.scale = size >= 400 ? 2 : 1;
  const int scale = a.scale;
  a.left = 20 * scale + Canvas::text_width("0.0", scale);
  a.top = 22 * scale;
  const int64_t right = 12 * scale, bottom = 28 * scale;
  a.side = std::min(size - a.left - right, size - a.top - bottom);
  auto px = [&](double v) { return a.px(v); };
  auto py = [&](double v) { return a.py(v); };
  for (int i = 0; i <= 5; ++i) {
    const double v = i / 5.0;
    canvas.line(px(v), py(0), px(v), py(1), grid);
    canvas.line(px(0), py(v), px(1), py(v), grid);
    char label[8];
    std::snprintf(label, sizeof label, "%.1f", v);
    const int64_t w = Canvas::text_width(label, scale);
    canvas.line(px(v), py(0), px(v), py(0) + 4 * scale, black, scale);  // x tick
    canvas.text(std::lround(px(v)) - w / 2, std::lround(py(0)) + 6 * scale, label, black, scale);
    canvas.line(px(0) - 4 * scale, py(v), px(0), py(v), black, scale);  // y tick
    canvas.text(std::lround(px(0)) - 6 * scale - w, std::lround(py(v)) - 3 * scale, label, black, scale);
  }
  canvas.line(px(0), py(0), px(1), py(1), grey, scale, 4 * scale);
  canvas.line(px(0), py(0), px(1), py(0), black, scale);
  canvas.line(px(0), py(1), px(1), py(1), black, scale);
  canvas.line(px(0), py(0), px(0), py(1), black, scale);
  canvas.line(px(1), py(0), px(1), py(1), black, scale);
  canvas.text(std::lround(px(0.5)) - Canvas::text_width("FPR", scale) / 2, y0 + size - 10 * scale, "FPR", black,
              scale);
  canvas.text(x0 + 2 * scale, y0 + 6 * scale, "TPR", black, scale);
  return a;
}

}  // namespace msq::metrics
