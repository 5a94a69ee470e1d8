#include "engine/data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "engine/core/error.h"
#include "engine/data/random.h"

namespace msq::data {
namespace {

struct Oval {  // centre, semi-axes, rotation (pixels, radians)
  double cx, cy, a, b, angle;
  // Squared normalised distance: < 1 inside.
  double d2(double x, double y) const {
    const double c = std::cos(angle), s = std::sin(angle);
    const double u = (x - cx) * c + (y - cy) * s, v = -(x - cx) * s + (y - cy) * c;
    return u * u / (a * a) + v * v / (b * b);
  }
};

double smoothstep(double e0, double e1, double x) {
  double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

}  // namespace

SyntheticSlice synthetic_slice(const std::string& plane, bool ms, uint64_t seed, int64_t size) {
  check(plane == "axial" || plane == "sagittal", "synthetic", "plane must be axial or sagittal, got '", plane, "'");
  check(size >= 16, "synthetic", "size must be at least 16, got ", size);
  std::mt19937_64 rng(seed);
  const double S = static_cast<double>(size);
  const bool axial = plane == "axial";

  Oval brain;
  brain.cx = S / 2 + uniform(rng, -0.03, 0.03) * S;
  brain.cy = S / 2 + uniform(rng, -0.03, 0.03) * S;
  brain.a = (axial ? uniform(rng, 0.34, 0.39) : uniform(rng, 0.42, 0.46)) * S;
  brain.b = (axial ? uniform(rng, 0.41, 0.45) : uniform(rng, 0.29, 0.33)) * S;
  brain.angle = uniform(rng, -0.14, 0.14);
  const double cb = std::cos(brain.angle), sb = std::sin(brain.angle);
  // A point given in brain coordinates (fractions of the semi-axes) -> pixels.
  auto at = [&](double fu, double fv, double& x, double& y) {
    const double u = fu * brain.a, v = fv * brain.b;
    x = brain.cx + u * cb - v * sb;
    y = brain.cy + u * sb + v * cb;
  };

  std::vector<Oval> ventricles;
  if (axial) {
    const double tilt = uniform(rng, 0.15, 0.3), spread = uniform(rng, 0.13, 0.19);
    for (int side : {-1, 1}) {
      Oval v;
      at(side * spread, uniform(rng, -0.08, 0.0), v.cx, v.cy);
      v.a = uniform(rng, 0.06, 0.09) * brain.a;
      v.b = uniform(rng, 0.26, 0.34) * brain.b;
      v.angle = brain.angle - side * tilt;
      ventricles.push_back(v);
    }
  } else {
    Oval v;
    at(uniform(rng, -0.05, 0.05), uniform(rng, -0.12, 0.0), v.cx, v.cy);
    v.a = uniform(rng, 0.30, 0.38) * brain.a;
    v.b = uniform(rng, 0.10, 0.15) * brain.b;
    v.angle = brain.angle + uniform(rng, -0.1, 0.1);
    ventricles.push_back(v);
  }

  // Smooth intensity variation: a few random low-frequency waves.
  struct Wave { double kx, ky, phase, amp; };
  std::vector<Wave> waves;
  for (int i = 0; i < 4; ++i)
    waves.push_back({uniform(rng, -3, 3) * 2 * kPi / S, uniform(rng, -3, 3) * 2 * kPi / S, uniform(rng, 0, 2 * kPi),
                     uniform(rng, 0.01, 0.03)});
  const double folds = std::floor(uniform(rng, 9, 15)), fold_phase = uniform(rng, 0, 2 * kPi);
  const double grey = uniform(rng, 0.50, 0.60), white = uniform(rng, 0.38, 0.45), csf = uniform(rng, 0.08, 0.14);

  std::vector<Oval> lesions;
  if (ms) {
    const int64_t count = 3 + static_cast<int64_t>(uniform_index(rng, 5));
    for (int64_t tries = 0; static_cast<int64_t>(lesions.size()) < count && tries < 200; ++tries) {
      const double r = uniform(rng, 0.2, 0.68), t = uniform(rng, 0, 2 * kPi);
      Oval l;
      at(r * std::cos(t), r * std::sin(t), l.cx, l.cy);
      l.a = uniform(rng, 2.8, 5.5) * S / 128;
      l.b = l.a * uniform(rng, 0.45, 0.8);
      l.angle = uniform(rng, 0, kPi);
      bool clear = true;
      for (const Oval& v : ventricles) clear = clear && v.d2(l.cx, l.cy) > 1.6;
      if (clear) lesions.push_back(l);
    }
  }
  std::vector<double> peaks;
  for (size_t i = 0; i < lesions.size(); ++i) peaks.push_back(uniform(rng, 0.82, 0.97));

  SyntheticSlice out;
  out.plane = plane;
  out.label = ms ? 1 : 0;
  out.lesions = static_cast<int64_t>(lesions.size());
  out.image.width = out.image.height = size;
  out.image.channels = 1;
  out.image.pixels.resize(static_cast<size_t>(size * size));
  for (int64_t y = 0; y < size; ++y)
    for (int64_t x = 0; x < size; ++x) {
      const double px = x + 0.5, py = y + 0.5;
      const double r = std::sqrt(brain.d2(px, py));
      const double theta = std::atan2(py - brain.cy, px - brain.cx);
      const double inside = 1 - smoothstep(0.97, 1.02, r);
      const double cortex = smoothstep(0.70, 0.82, r);
      double v = white + (grey - white) * cortex;
      v *= 1 - 0.3 * cortex * std::max(0.0, std::sin(folds * theta + fold_phase)) * smoothstep(0.85, 0.97, r);
      for (const Oval& ve : ventricles) v += (csf - v) * (1 - smoothstep(0.7, 1.1, ve.d2(px, py)));
      for (const Wave& w : waves) v += w.amp * std::cos(w.kx * px + w.ky * py + w.phase);
      for (size_t i = 0; i < lesions.size(); ++i) v += (peaks[i] - v) * std::exp(-1.5 * lesions[i].d2(px, py));
      v = v * inside + 0.02 * (1 - inside);
      v += 0.012 * normal01(rng);
      out.image.pixels[y * size + x] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
    }
  return out;
}

std::vector<SyntheticSlice> generate_synthetic(const SyntheticOptions& o) {
  check(o.per_class > 0, "synthetic", "per_class must be positive, got ", o.per_class);
  check(o.slices_per_subject > 0, "synthetic", "slices_per_subject must be positive, got ", o.slices_per_subject);
  check(o.axial || o.sagittal, "synthetic", "no plane asked for");
  std::vector<SyntheticSlice> out;
  for (int plane_id = 0; plane_id < 2; ++plane_id) {
    const bool axial = plane_id == 0;
    if (axial ? !o.axial : !o.sagittal) continue;
    const std::string plane = axial ? "axial" : "sagittal";
    const std::string folder = axial ? "Axial_crop" : "Saggital_crop";
    for (int64_t label = 0; label < 2; ++label)
      for (int64_t i = 0; i < o.per_class; ++i) {
        uint64_t seed = derive_seed(o.seed, {static_cast<uint64_t>(plane_id), static_cast<uint64_t>(label),
                                             static_cast<uint64_t>(i)});
        SyntheticSlice s = synthetic_slice(plane, label == 1, seed, o.size);
        if (label == 1) {
          s.path = "MS " + folder + "/" + (axial ? "A1 (" : "S1 (") + std::to_string(i + 1) + ").png";
        } else {
          s.path = "Control " + folder + "/kontrol " + std::to_string(i / o.slices_per_subject + 1) + " (" +
                   std::to_string(i % o.slices_per_subject + 1) + ").png";
        }
        out.push_back(std::move(s));
      }
  }
  return out;
}

int64_t write_synthetic_dataset(const std::string& root, const SyntheticOptions& options) {
  namespace fs = std::filesystem;
  std::vector<SyntheticSlice> slices = generate_synthetic(options);
  for (const SyntheticSlice& s : slices) {
    fs::path file = fs::path(root) / s.path;
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    check(!ec, "synthetic", "cannot create '", file.parent_path().string(), "': ", ec.message());
    write_png(file.string(), s.image);
  }
  return static_cast<int64_t>(slices.size());
}

}  // namespace msq::data
