// Images: decoding PNG / JPEG / BMP (and the other formats stb_image reads) into float
// tensors, and writing 8-bit PNGs. A decoded image is float32 [3, H, W] with values in
// [0, 1] (byte / 255): greyscale is replicated to 3 channels, grey+alpha and RGBA drop
// the alpha channel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace msq::data {

// 8-bit pixels, row-major, interleaved channels (H x W x C).
struct ImageU8 {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// Decodes encoded image bytes; `name` (usually the file path) appears in errors.
ImageU8 decode_image_u8(const std::string& bytes, const std::string& name);
// Reads and decodes one image file; an unreadable or undecodable file is an error naming it.
ImageU8 read_image_u8(const std::string& path);

// 8-bit pixels of any channel count -> float32 [3, H, W] in [0, 1].
Tensor image_to_tensor(const ImageU8& image);
// read_image_u8 + image_to_tensor.
Tensor load_image(const std::string& path);

// float [C, H, W] (C = 1 or 3) in [0, 1] -> 8-bit pixels, rounding and clamping.
ImageU8 tensor_to_image(const Tensor& image);
// Encodes 8-bit pixels (1, 2, 3 or 4 channels) as PNG bytes.
std::string encode_png(const ImageU8& image);
// Writes a PNG atomically (write_file_atomic).
void write_png(const std::string& path, const ImageU8& image);

}  // namespace msq::data
