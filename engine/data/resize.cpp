#include "engine/data/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace msq::data {
namespace {

// The taps of one output pixel: input pixels [lo, lo + weights.size()).
struct Taps {
  int64_t lo = 0;
  std::vector<double> weights;
};

std::vector<Taps> axis_taps(int64_t in, int64_t out, bool antialias) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = antialias ? std::max(scale, 1.0) : 1.0;
  std::vector<Taps> taps(out);
  for (int64_t i = 0; i < out; ++i) {
    const double centre = (static_cast<double>(i) + 0.5) * scale;
    // C++ integer conversion truncates toward zero, as the definition says.
    int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(centre - support + 0.5));
    int64_t hi = std::min<int64_t>(in, static_cast<int64_t>(centre + support + 0.5));
    Taps& t = taps[i];
    t.lo = lo;
    double total = 0;
    for (int64_t j = lo; j < hi; ++j) {
      double x = std::fabs((static_cast<double>(j) + 0.5 - centre) / support);
      double w = x < 1.0 ? 1.0 - x : 0.0;
      t.weights.push_back(w);
      total += w;
    }
    if (total != 0)
      for (double& w : t.weights) w /= total;
  }
  return taps;
}

}  // namespace

Tensor resize_bilinear(const Tensor& image, int64_t out_height, int64_t out_width, bool antialias) {
  check(image.dim() == 3, "resize", "expected a [C, H, W] image, got ", shape_str(image.shape()));
  check(out_height > 0 && out_width > 0, "resize", "output size must be positive, got ",
        out_height, "x", out_width);
  const int64_t c = image.size(0), h = image.size(1), w = image.size(2);
  check(h > 0 && w > 0, "resize", "empty image ", shape_str(image.shape()));
  Tensor src = image.to(DType::Float32).contiguous();
  if (h == out_height && w == out_width) return src.clone();
  const float* in = src.data<float>();
  std::vector<Taps> tx = axis_taps(w, out_width, antialias);
  std::vector<Taps> ty = axis_taps(h, out_height, antialias);

  // Horizontal pass: [C, H, W] -> [C, H, out_width] in double, then vertical.
  std::vector<double> mid(static_cast<size_t>(c * h * out_width));
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y) {
      const float* row = in + (k * h + y) * w;
      double* dst = mid.data() + (k * h + y) * out_width;
      for (int64_t x = 0; x < out_width; ++x) {
        const Taps& t = tx[x];
        double s = 0;
        for (size_t j = 0; j < t.weights.size(); ++j) s += t.weights[j] * row[t.lo + j];
        dst[x] = s;
      }
    }
  Tensor out = Tensor::empty({c, out_height, out_width});
  float* o = out.data<float>();
  std::vector<double> acc(static_cast<size_t>(out_width));
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < out_height; ++y) {
      const Taps& t = ty[y];
      std::fill(acc.begin(), acc.end(), 0.0);
      for (size_t j = 0; j < t.weights.size(); ++j) {
        const double* row = mid.data() + (k * h + t.lo + static_cast<int64_t>(j)) * out_width;
        for (int64_t x = 0; x < out_width; ++x) acc[x] += t.weights[j] * row[x];
      }
      float* dst = o + (k * out_height + y) * out_width;
      for (int64_t x = 0; x < out_width; ++x) dst[x] = static_cast<float>(acc[x]);
    }
  return out;
}

}  // namespace msq::data
