#include "engine/metrics/roc_plot.h"

#include <cmath>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/metrics/canvas.h"

namespace msq::metrics {

data::ImageU8 render_roc_plot(const RocCurve& roc, double auc, int64_t size) {
  check(size >= 200, "roc_plot", "size must be at least 200 pixels, got ", size);
  check(roc.fpr.size() == roc.tpr.size(), "roc_plot", "fpr has ", roc.fpr.size(), " points, tpr ", roc.tpr.size());
  const Rgb white{255, 255, 255}, black{0, 0, 0}, grid{225, 225, 225}, grey{150, 150, 150}, blue{31, 119, 180};
  Canvas canvas(size, size, white);
  const int scale = size >= 400 ? 2 : 1;
  const int64_t left = 20 * scale + Canvas::text_width("0.0", scale), right = 12 * scale;
  const int64_t top = 22 * scale, bottom = 28 * scale;
  const int64_t side = std::min(size - left - right, size - top - bottom);
  // Unit-square coordinates -> pixels.
  auto px = [&](double x) { return static_cast<double>(left) + x * static_cast<double>(side); };
  auto py = [&](double y) { return static_cast<double>(top) + (1 - y) * static_cast<double>(side); };

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
  // The frame.
  canvas.line(px(0), py(0), px(1), py(0), black, scale);
  canvas.line(px(0), py(1), px(1), py(1), black, scale);
  canvas.line(px(0), py(0), px(0), py(1), black, scale);
  canvas.line(px(1), py(0), px(1), py(1), black, scale);

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
  canvas.text(std::lround(px(0.5)) - Canvas::text_width("FPR", scale) / 2, size - 10 * scale, "FPR", black, scale);
  canvas.text(2 * scale, 6 * scale, "TPR", black, scale);
  return canvas.image();
}

void write_roc_png(const std::string& path, const RocCurve& roc, double auc, int64_t size) {
  data::write_png(path, render_roc_plot(roc, auc, size));
}

}  // namespace msq::metrics
