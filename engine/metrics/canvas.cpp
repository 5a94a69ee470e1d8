#include "engine/metrics/canvas.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

namespace msq::metrics {
namespace {

// 7 rows of 5 bits (bit 4 = leftmost column).
struct Glyph {
  char c;
  uint8_t rows[7];
};

constexpr Glyph kFont[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1E, 0x01, 0x01, 0x0E, 0x01, 0x01, 0x1E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}}, {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}}, {'/', {0x01, 0x02, 0x02, 0x04, 0x08, 0x08, 0x10}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}}, {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}}, {'N', {0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}}, {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}}, {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
};

const Glyph* glyph(char c) {
  for (const Glyph& g : kFont)
    if (g.c == c) return &g;
  return nullptr;
}

}  // namespace

Canvas::Canvas(int64_t width, int64_t height, Rgb background) {
  check(width > 0 && height > 0, "canvas", "size must be positive, got ", width, "x", height);
  image_.width = width;
  image_.height = height;
  image_.channels = 3;
  image_.pixels.resize(static_cast<size_t>(width * height * 3));
  fill_rect(0, 0, width, height, background);
}

void Canvas::pixel(int64_t x, int64_t y, Rgb c) {
  if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) return;
  uint8_t* p = image_.pixels.data() + (y * image_.width + x) * 3;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int thickness, int dash) {
  const double length = std::max(std::fabs(x1 - x0), std::fabs(y1 - y0));
  const int64_t steps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(length)));
  const int64_t lo = -(thickness - 1) / 2, hi = thickness / 2;
  for (int64_t i = 0; i <= steps; ++i) {
    if (dash > 0 && (i / dash) % 2 == 1) continue;
    const double t = static_cast<double>(i) / static_cast<double>(steps);
    const int64_t x = std::lround(x0 + t * (x1 - x0)), y = std::lround(y0 + t * (y1 - y0));
    for (int64_t dy = lo; dy <= hi; ++dy)
      for (int64_t dx = lo; dx <= hi; ++dx) pixel(x + dx, y + dy, c);
  }
}

void Canvas::fill_rect(int64_t x, int64_t y, int64_t w, int64_t h, Rgb c) {
  for (int64_t yy = y; yy < y + h; ++yy)
    for (int64_t xx = x; xx < x + w; ++xx) pixel(xx, yy, c);
}

void Canvas::text(int64_t x, int64_t y, const std::string& s, Rgb c, int scale) {
  for (size_t i = 0; i < s.size(); ++i) {
    const Glyph* g = glyph(s[i]);
    if (g == nullptr) continue;
    const int64_t left = x + static_cast<int64_t>(i) * kAdvance * scale;
    for (int row = 0; row < kGlyphHeight; ++row)
      for (int col = 0; col < kGlyphWidth; ++col)
        if (g->rows[row] & (0x10 >> col)) fill_rect(left + col * scale, y + row * scale, scale, scale, c);
  }
}

int64_t Canvas::text_width(const std::string& s, int scale) {
  return s.empty() ? 0 : (static_cast<int64_t>(s.size()) * kAdvance - 1) * scale;
}

}  // namespace msq::metrics
