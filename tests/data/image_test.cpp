// Decoding: exact pixel values of images written by stb_image_write, channel handling,
// errors; the untouched originals in shared/data when present.
#include <stb/stb_image_write.h>

#include <filesystem>

#include "engine/data/image.h"
#include "engine/data/preprocess.h"
#include "engine/io/atomic_file.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {
ImageU8 pattern(int64_t w, int64_t h, int64_t c) {
  ImageU8 im;
  im.width = w;
  im.height = h;
  im.channels = c;
  for (int64_t i = 0; i < w * h * c; ++i) im.pixels.push_back(static_cast<uint8_t>((i * 37 + 11) % 256));
  return im;
}
}  // namespace

TEST_CASE("png round trip keeps exact values, grey is replicated, alpha dropped") {
  std::string dir = test::scratch_dir("image");
  for (int64_t c = 1; c <= 4; ++c) {
    ImageU8 im = pattern(5, 3, c);
    std::string path = dir + "/p" + std::to_string(c) + ".png";
    write_png(path, im);
    ImageU8 back = read_image_u8(path);
    CHECK(back.width == 5);
    CHECK(back.height == 3);
    CHECK(back.channels == c);
    CHECK(back.pixels == im.pixels);
    Tensor t = load_image(path);
    REQUIRE(t.shape() == Shape{3, 3, 5});
    std::vector<float> v = t.to_vector<float>();
    for (int64_t k = 0; k < 3; ++k)
      for (int64_t i = 0; i < 15; ++i) {
        uint8_t expect = im.pixels[i * c + (c < 3 ? 0 : k)];
        CHECK(v[k * 15 + i] == static_cast<float>(expect) / 255.0f);
      }
  }
}

TEST_CASE("bmp and jpeg decode") {
  std::string dir = test::scratch_dir("image-formats");
  ImageU8 im = pattern(8, 6, 3);
  std::string bmp = dir + "/a.bmp", jpg = dir + "/a.jpg";
  REQUIRE(stbi_write_bmp(bmp.c_str(), 8, 6, 3, im.pixels.data()) != 0);
  CHECK(read_image_u8(bmp).pixels == im.pixels);
  // A constant JPEG decodes to (almost) the constant.
  std::vector<uint8_t> flat(16 * 16, 200);
  REQUIRE(stbi_write_jpg(jpg.c_str(), 16, 16, 1, flat.data(), 95) != 0);
  ImageU8 j = read_image_u8(jpg);
  // (stb_image_write always writes 3-component JPEGs.)
  for (uint8_t p : j.pixels) CHECK(std::abs(int(p) - 200) <= 1);
  CHECK(load_image(jpg).shape() == Shape{3, 16, 16});
}

TEST_CASE("tensor_to_image inverts image_to_tensor") {
  ImageU8 im = pattern(7, 4, 3);
  ImageU8 back = tensor_to_image(image_to_tensor(im));
  CHECK(back.channels == 3);
  CHECK(back.pixels == im.pixels);
}

TEST_CASE("an unreadable or undecodable image is an error naming the file") {
  std::string dir = test::scratch_dir("image-bad");
  std::string bad = dir + "/not-an-image.png";
  write_file_atomic(bad, "this is text, not a PNG");
  CHECK_THROWS_WITH_AS(load_image(bad), doctest::Contains("not-an-image.png"), Error);
  CHECK_THROWS_WITH_AS(load_image(dir + "/missing.png"), doctest::Contains("missing.png"), Error);
  write_file_atomic(dir + "/empty.png", "");
  CHECK_THROWS_WITH_AS(load_image(dir + "/empty.png"), doctest::Contains("empty.png"), Error);
}

TEST_CASE("imagenet normalisation") {
  Tensor x = full({3, 2, 2}, 0.5);
  std::vector<float> v = normalize_imagenet(x).to_vector<float>();
  for (int k = 0; k < 3; ++k)
    CHECK(v[k * 4] == doctest::Approx((0.5 - kImagenetMean[k]) / kImagenetStd[k]).epsilon(1e-6));
  CHECK_THROWS_AS(normalize_imagenet(zeros({1, 2, 2})), Error);
}

TEST_CASE("the untouched RGB originals decode and preprocess") {
  const std::string root = test::shared_data_dir() + "/ms-mri-originals";
  if (!std::filesystem::exists(root)) {
    test::skip("no " + root + " here");
    return;
  }
  int seen = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".png") continue;
    ImageU8 im = read_image_u8(e.path().string());
    CHECK(im.channels >= 3);
    CHECK(im.width > 224);
    Tensor t = preprocess_image(e.path().string());
    CHECK(t.shape() == Shape{3, 224, 224});
    std::vector<float> v = t.to_vector<float>();
    float lo = 1, hi = 0;
    for (float x : v) lo = std::min(lo, x), hi = std::max(hi, x);
    CHECK(lo >= 0.0f);
    CHECK(hi <= 1.0f);
    CHECK(hi > 0.5f);  // a brain slice has bright pixels
    ++seen;
  }
  CHECK(seen == 6);
}
