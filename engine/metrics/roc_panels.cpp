#include "engine/metrics/roc_panels.h"

#include <cmath>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/data/image.h"
#include "engine/metrics/roc_axes.h"

namespace msq::metrics {

Rgb series_color(size_t index) {
  static const Rgb colors[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}};
  return colors[index % 5];
}

void draw_roc_panel(Canvas& canvas, int64_t x0, int64_t y0, int64_t size, const RocPanel& panel) {
  check(size >= 200, "roc_panels", "panel size must be at least 200 pixels, got ", size);
  const Rgb black{0, 0, 0};
  const RocAxes axes = draw_roc_axes(canvas, x0, y0, size);
  const int scale = axes.scale;
  auto px = [&](double v) { return axes.px(v); };
  auto py = [&](double v) { return axes.py(v); };
  for (size_t k = 0; k < panel.series.size(); ++k) {
    const RocSeries& s = panel.series[k];
    bool defined = s.roc.fpr.size() == s.roc.tpr.size();
    for (size_t i = 0; defined && i < s.roc.fpr.size(); ++i)
      defined = std::isfinite(s.roc.fpr[i]) && std::isfinite(s.roc.tpr[i]);
    if (defined)
      for (size_t i = 1; i < s.roc.fpr.size(); ++i)
        canvas.line(px(s.roc.fpr[i - 1]), py(s.roc.tpr[i - 1]), px(s.roc.fpr[i]), py(s.roc.tpr[i]), s.color, 2 * scale);
    char auc[32];
    if (std::isfinite(s.auc) && defined) std::snprintf(auc, sizeof auc, " %.4f", s.auc);
    else std::snprintf(auc, sizeof auc, " N/A");
    const std::string text = s.label + auc;
    const int64_t rows = static_cast<int64_t>(panel.series.size() - k);
    canvas.text(std::lround(px(1)) - Canvas::text_width(text, scale) - 6 * scale,
                std::lround(py(0)) - rows * 10 * scale - 2 * scale, text, s.color, scale);
  }
  canvas.text(std::lround(px(0.5)) - Canvas::text_width(panel.title, scale) / 2, y0 + 6 * scale, panel.title, black,
              scale);
}

void write_roc_panels_png(const std::string& path, const std::vector<RocPanel>& panels, int64_t columns, int64_t size) {
  check(!panels.empty(), "roc_panels", "no panels to draw");
  check(columns > 0, "roc_panels", "columns must be > 0");
  const int64_t n = static_cast<int64_t>(panels.size());
  const int64_t cols = std::min(columns, n), rows = (n + cols - 1) / cols;
  Canvas canvas(cols * size, rows * size, Rgb{255, 255, 255});
  for (int64_t i = 0; i < n; ++i) draw_roc_panel(canvas, (i % cols) * size, (i / cols) * size, size, panels[i]);
  data::write_png(path, canvas.image());
}

}  // namespace msq::metrics
