#include "engine/metrics/roc_plot.h"

#include <cmath>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/metrics/canvas.h"
#include "engine/metrics/roc_axes.h"

namespace msq::metrics {

data::ImageU8 render_roc_plot(const RocCurve& roc, double auc, int64_t size) {
  check(size >= 200, "roc_plot", "size must be at least 200 pixels, got ", size);
  check(roc.fpr.size() == roc.tpr.size(), "roc_plot", "fpr has ", roc.fpr.size(), " points, tpr ", roc.tpr.size());
  const Rgb white{255, 255, 255}, black{0, 0, 0}, blue{31, 119, 180};
  Canvas canvas(size, size, white);
  const RocAxes axes = draw_roc_axes(canvas, 0, 0, size);
  const int scale = axes.scale;
  auto px = [&](double v) { return axes.px(v); };
  auto py = [&](double v) { return axes.py(v); };

  bool defined = true;
  for (size_t i = 0; i < roc.fpr.size(); ++i) defined = defined && std::isfinite(roc.fpr[i]) && std::isfinite(roc.tpr[i]);
  if (defined)
    for (size_t i = 1; i < roc.fpr.size(); ++i)
      canvas.line(px(roc.fpr[i - 1]), py(roc.tpr[i - 1]), px(roc.fpr[i]), py(roc.tpr[i]), blue, 2 * scale);

  char title[32];
  if (std::isfinite(auc) && defined)
    std::snprintf(title, sizeof title, "AUC = %.4f", auc);
  else
    std::snprintf(title, sizeof title, "AUC N/A");
  canvas.text(std::lround(px(0.5)) - Canvas::text_width(title, scale) / 2, 6 * scale, title, black, scale);
  return canvas.image();
}

void write_roc_png(const std::string& path, const RocCurve& roc, double auc, int64_t size) {
  data::write_png(path, render_roc_plot(roc, auc, size));
}

}  // namespace msq::metrics
