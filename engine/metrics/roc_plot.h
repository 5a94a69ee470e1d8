// A ROC plot drawn without a plotting library: a white square image with the unit square
// framed, grid lines and labelled ticks every 0.2 on both axes, the chance diagonal
// (dashed grey), the curve through the (fpr, tpr) points (blue, straight segments as
// scikit-learn's RocCurveDisplay draws them), "FPR" / "TPR" axis names and "AUC = 0.xxxx"
// (or "AUC N/A" when undefined) at the top.
#pragma once
#include <string>

#include "engine/data/image.h"
#include "engine/metrics/roc.h"

namespace msq::metrics {

// The plot as an RGB image, size x size pixels (at least 200).
data::ImageU8 render_roc_plot(const RocCurve& roc, double auc, int64_t size = 480);
// render_roc_plot written as a PNG, atomically.
void write_roc_png(const std::string& path, const RocCurve& roc, double auc, int64_t size = 480);

}  // namespace msq::metrics
