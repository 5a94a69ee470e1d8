#include "engine/data/image.h"

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "engine/io/atomic_file.h"

namespace msq::data {

ImageU8 decode_image_u8(const std::string& bytes, const std::string& name) {
  check(!bytes.empty(), "image", "'", name, "' is empty");
  check(bytes.size() <= static_cast<size_t>(INT_MAX), "image", "'", name, "' is too large");
  int w = 0, h = 0, c = 0;
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(bytes.data()),
                                            static_cast<int>(bytes.size()), &w, &h, &c, 0);
  if (px == nullptr) {
    const char* why = stbi_failure_reason();
    fail("image", "cannot decode '", name, "': ", why ? why : "unknown reason",
         " (PNG, JPEG or BMP expected)");
  }
  ImageU8 out;
  out.width = w;
  out.height = h;
  out.channels = c;
  out.pixels.assign(px, px + static_cast<size_t>(w) * h * c);
  stbi_image_free(px);
  return out;
}

ImageU8 read_image_u8(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const Error& e) {
    fail("image", "cannot read image '", path, "': ", e.what());
  }
  return decode_image_u8(bytes, path);
}

Tensor image_to_tensor(const ImageU8& image) {
  const int64_t w = image.width, h = image.height, c = image.channels;
  check(w > 0 && h > 0 && c >= 1 && c <= 4, "image", "bad image size ", w, "x", h, "x", c);
  check(static_cast<int64_t>(image.pixels.size()) == w * h * c, "image", "pixel buffer holds ",
        image.pixels.size(), " bytes, expected ", w * h * c);
  Tensor out = Tensor::empty({3, h, w});
  float* dst = out.data<float>();
  const int64_t plane = w * h;
  const uint8_t* src = image.pixels.data();
  for (int64_t i = 0; i < plane; ++i) {
    const uint8_t* p = src + i * c;
    for (int64_t k = 0; k < 3; ++k) {
      // 1 or 2 channels (grey, grey+alpha): replicate grey; 3 or 4: take RGB.
      uint8_t v = c < 3 ? p[0] : p[k];
      dst[k * plane + i] = static_cast<float>(v) / 255.0f;
    }
  }
  return out;
}

Tensor load_image(const std::string& path) { return image_to_tensor(read_image_u8(path)); }

ImageU8 tensor_to_image(const Tensor& image) {
  check(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3), "image",
        "expected a [1|3, H, W] tensor, got ", shape_str(image.shape()));
  std::vector<float> v = image.to_vector<float>();
  ImageU8 out;
  out.channels = image.size(0);
  out.height = image.size(1);
  out.width = image.size(2);
  const int64_t plane = out.width * out.height;
  out.pixels.resize(plane * out.channels);
  for (int64_t k = 0; k < out.channels; ++k)
    for (int64_t i = 0; i < plane; ++i) {
      float x = std::clamp(v[k * plane + i], 0.0f, 1.0f);
      out.pixels[i * out.channels + k] = static_cast<uint8_t>(std::lround(x * 255.0f));
    }
  return out;
}

namespace {
void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), size);
}
}  // namespace

std::string encode_png(const ImageU8& image) {
  check(image.width > 0 && image.height > 0 && image.channels >= 1 && image.channels <= 4,
        "png", "bad image size ", image.width, "x", image.height, "x", image.channels);
  check(static_cast<int64_t>(image.pixels.size()) == image.width * image.height * image.channels,
        "png", "pixel buffer holds ", image.pixels.size(), " bytes, expected ",
        image.width * image.height * image.channels);
  std::string out;
  int ok = stbi_write_png_to_func(append_bytes, &out, static_cast<int>(image.width),
                                  static_cast<int>(image.height), static_cast<int>(image.channels),
                                  image.pixels.data(), static_cast<int>(image.width * image.channels));
  check(ok != 0, "png", "encoding a ", image.width, "x", image.height, " image failed");
  return out;
}

void write_png(const std::string& path, const ImageU8& image) {
  write_file_atomic(path, encode_png(image));
}

}  // namespace msq::data
