// A tiny RGB raster for plots: pixels, lines, rectangles and a built-in 5x7 bitmap font
// (digits, the capitals A-Z, with lower case drawn as capitals, and . - = / ( ) + : _ and
// space; other characters draw as blanks). Coordinates are pixels, (0, 0) top-left; drawing outside is clipped.
#pragma once
#include <cstdint>
#include <string>

#include "engine/data/image.h"

namespace msq::metrics {

struct Rgb {
  uint8_t r, g, b;
};

class Canvas {
 public:
  Canvas(int64_t width, int64_t height, Rgb background);
  int64_t width() const { return image_.width; }
  int64_t height() const { return image_.height; }
  const data::ImageU8& image() const { return image_; }

  void pixel(int64_t x, int64_t y, Rgb c);
  // A line of the given thickness (square pen) between two points, every `dash` pixels on
  // and off when dash > 0.
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1, int dash = 0);
  void fill_rect(int64_t x, int64_t y, int64_t w, int64_t h, Rgb c);
  // Text with its top-left corner at (x, y), each font pixel drawn as scale x scale.
  void text(int64_t x, int64_t y, const std::string& s, Rgb c, int scale = 1);
  // The width in pixels of text drawn at the given scale.
  static int64_t text_width(const std::string& s, int scale = 1);
  static constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kAdvance = 6;

 private:
  data::ImageU8 image_;
};

}  // namespace msq::metrics
