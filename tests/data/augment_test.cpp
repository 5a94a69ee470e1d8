// Augmentation: determinism per (seed, epoch, sample), exact identities, exact flips,
// a 90-degree rotation, photometric formula.
#include "engine/data/augment.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {
Tensor ramp(int64_t c, int64_t h, int64_t w) {
  std::vector<float> v;
  for (int64_t i = 0; i < c * h * w; ++i) v.push_back(static_cast<float>((i * 7919) % 1000) / 1000.0f);
  return from_vector(v, {c, h, w});
}
}  // namespace

TEST_CASE("same (seed, epoch, sample) -> same result; others differ") {
  Tensor x = ramp(3, 16, 20);
  AugmentOptions o;
  Tensor a = augment_image(x, o, 5, 2, 17), b = augment_image(x, o, 5, 2, 17);
  test::check_close(a, b, 0, 0, "determinism");
  CHECK(test::max_relative_error(augment_image(x, o, 5, 3, 17), a) > 1e-3);
  CHECK(test::max_relative_error(augment_image(x, o, 5, 2, 18), a) > 1e-3);
  CHECK(test::max_relative_error(augment_image(x, o, 6, 2, 17), a) > 1e-3);
}

TEST_CASE("drawn parameters stay in range and flips come with their probability") {
  AugmentOptions o;
  int flips = 0;
  for (int64_t s = 0; s < 2000; ++s) {
    AugmentParams p = draw_augment(o, 224, 200, 1, 0, s);
    flips += p.flip;
    CHECK(std::abs(p.angle_deg) <= 10);
    CHECK(std::abs(p.translate_x) <= 0.05 * 224);
    CHECK(std::abs(p.translate_y) <= 0.05 * 200);
    CHECK(std::abs(p.scale - 1) <= 0.05);
    CHECK(std::abs(p.brightness) <= 0.1);
    CHECK(std::abs(p.contrast - 1) <= 0.1);
  }
  CHECK(flips > 900);
  CHECK(flips < 1100);
  CHECK_THROWS_AS(draw_augment(AugmentOptions{2.0}, 4, 4, 0, 0, 0), Error);
}

TEST_CASE("all magnitudes 0 is the exact identity") {
  Tensor x = ramp(3, 9, 11);
  for (int64_t s = 0; s < 10; ++s) test::check_close(augment_image(x, AugmentOptions::none(), 3, 1, s), x, 0, 0);
  test::check_close(apply_augment(x, AugmentParams{}), x, 0, 0, "default params");
}

TEST_CASE("flips are exact column reversals; rotation by 0 is exact") {
  Tensor x = ramp(3, 5, 7);
  AugmentParams p;
  p.flip = true;
  std::vector<float> in = x.to_vector<float>(), out = apply_augment(x, p).to_vector<float>();
  for (int64_t k = 0; k < 3; ++k)
    for (int64_t y = 0; y < 5; ++y)
      for (int64_t c = 0; c < 7; ++c) CHECK(out[(k * 5 + y) * 7 + c] == in[(k * 5 + y) * 7 + (6 - c)]);
  test::check_close(apply_augment(apply_augment(x, p), p), x, 0, 0, "double flip");
  AugmentParams r;
  r.angle_deg = 0;
  test::check_close(apply_augment(x, r), x, 0, 0, "rotate 0");
}

TEST_CASE("rotation by 90 degrees counter-clockwise; integer translation shifts with zero fill") {
  Tensor x = ramp(1, 6, 6);
  AugmentParams p;
  p.angle_deg = 90;
  std::vector<float> in = x.to_vector<float>(), out = apply_augment(x, p).to_vector<float>();
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t c = 0; c < 6; ++c) CHECK(out[y * 6 + c] == doctest::Approx(in[c * 6 + (5 - y)]).epsilon(1e-5));
  AugmentParams t;
  t.translate_x = 2;
  t.translate_y = -1;
  out = apply_augment(x, t).to_vector<float>();
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t c = 0; c < 6; ++c) {
      int64_t sy = y + 1, sc = c - 2;
      float expect = sy < 6 && sc >= 0 ? in[sy * 6 + sc] : 0.0f;
      CHECK(out[y * 6 + c] == doctest::Approx(expect).epsilon(1e-6));
    }
}

TEST_CASE("brightness and contrast about the image mean, clamped") {
  Tensor x = from_vector(std::vector<float>{0.2f, 0.4f, 0.6f, 0.8f}, {1, 2, 2});
  AugmentParams p;
  p.contrast = 2;
  p.brightness = 0.1;
  std::vector<float> out = apply_augment(x, p).to_vector<float>();
  CHECK(out[0] == doctest::Approx(0.0));  // 2 * (0.2 - 0.5) + 0.6 = 0
  CHECK(out[1] == doctest::Approx(0.4));
  CHECK(out[2] == doctest::Approx(0.8));
  CHECK(out[3] == doctest::Approx(1.0));  // 1.2 clamped
}
