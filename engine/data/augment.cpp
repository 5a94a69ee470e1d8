#include "engine/data/augment.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/data/random.h"

namespace msq::data {

AugmentParams draw_augment(const AugmentOptions& o, int64_t width, int64_t height, uint64_t seed, int64_t epoch,
                           int64_t sample) {
  check(o.flip_probability >= 0 && o.flip_probability <= 1, "augment", "flip_probability must be in [0, 1], got ",
        o.flip_probability);
  check(o.max_scale >= 0 && o.max_scale < 1, "augment", "max_scale must be in [0, 1), got ", o.max_scale);
  check(o.max_rotation_deg >= 0 && o.max_translate >= 0 && o.max_brightness >= 0 && o.max_contrast >= 0,
        "augment", "magnitudes must be >= 0");
  std::mt19937_64 rng(derive_seed(seed, {static_cast<uint64_t>(epoch), static_cast<uint64_t>(sample)}));
  AugmentParams p;
  p.flip = uniform01(rng) < o.flip_probability;
  p.angle_deg = uniform(rng, -o.max_rotation_deg, o.max_rotation_deg);
  p.translate_x = uniform(rng, -o.max_translate, o.max_translate) * static_cast<double>(width);
  p.translate_y = uniform(rng, -o.max_translate, o.max_translate) * static_cast<double>(height);
  p.scale = uniform(rng, 1 - o.max_scale, 1 + o.max_scale);
  p.brightness = uniform(rng, -o.max_brightness, o.max_brightness);
  p.contrast = uniform(rng, 1 - o.max_contrast, 1 + o.max_contrast);
  return p;
}

namespace {

void flip_horizontal(float* x, int64_t planes, int64_t h, int64_t w) {
  for (int64_t r = 0; r < planes * h; ++r) std::reverse(x + r * w, x + (r + 1) * w);
}

// out(x, y) = in(A^-1 ((x, y) - c - t) + c), bilinear, zero outside.
void warp_affine(const float* in, float* out, int64_t planes, int64_t h, int64_t w, const AugmentParams& p) {
  const double a = p.angle_deg * kPi / 180.0;
  const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  // Forward, y pointing down, counter-clockwise on screen: x' = s(cos a x + sin a y),
  // y' = s(-sin a x + cos a y). Inverse: rotate back and divide by s.
  const double ca = std::cos(a) / p.scale, sa = std::sin(a) / p.scale;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const double dx = x - cx - p.translate_x, dy = y - cy - p.translate_y;
      const double sx = ca * dx - sa * dy + cx, sy = sa * dx + ca * dy + cy;
      const double fx = std::floor(sx), fy = std::floor(sy);
      const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
      const double wx = sx - fx, wy = sy - fy;
      for (int64_t k = 0; k < planes; ++k) {
        const float* src = in + k * h * w;
        auto at = [&](int64_t yy, int64_t xx) -> double {
          return yy >= 0 && yy < h && xx >= 0 && xx < w ? src[yy * w + xx] : 0.0;
        };
        double v = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x0 + 1)) +
                   wy * ((1 - wx) * at(y0 + 1, x0) + wx * at(y0 + 1, x0 + 1));
        out[k * h * w + y * w + x] = static_cast<float>(v);
      }
    }
}

}  // namespace

Tensor apply_augment(const Tensor& image, const AugmentParams& p) {
  check(image.dim() == 3, "augment", "expected a [C, H, W] image, got ", shape_str(image.shape()));
  check(p.scale > 0, "augment", "scale must be positive, got ", p.scale);
  Tensor out = image.to(DType::Float32).contiguous().clone();
  const int64_t c = image.size(0), h = image.size(1), w = image.size(2);
  float* x = out.data<float>();
  if (p.flip) flip_horizontal(x, c, h, w);
  if (p.angle_deg != 0 || p.scale != 1 || p.translate_x != 0 || p.translate_y != 0) {
    Tensor warped = Tensor::empty({c, h, w});
    warp_affine(x, warped.data<float>(), c, h, w, p);
    out = warped;
    x = out.data<float>();
  }
  if (p.contrast != 1 || p.brightness != 0) {
    const int64_t n = c * h * w;
    double mean = 0;
    for (int64_t i = 0; i < n; ++i) mean += x[i];
    mean /= static_cast<double>(std::max<int64_t>(n, 1));
    for (int64_t i = 0; i < n; ++i)
      x[i] = static_cast<float>(std::clamp(p.contrast * (x[i] - mean) + mean + p.brightness, 0.0, 1.0));
  }
  return out;
}

Tensor augment_image(const Tensor& image, const AugmentOptions& options, uint64_t seed, int64_t epoch,
                     int64_t sample) {
  check(image.dim() == 3, "augment", "expected a [C, H, W] image, got ", shape_str(image.shape()));
  return apply_augment(image, draw_augment(options, image.size(2), image.size(1), seed, epoch, sample));
}

}  // namespace msq::data
