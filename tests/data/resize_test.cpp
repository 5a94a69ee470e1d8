// Resizing: invariants that always run (constants, ramps, identity, hand-computed values)
// and a comparison with torch / PIL through tools/reference/resize_reference.py.
#include <cmath>
#include <filesystem>

#include "engine/data/resize.h"
#include "engine/io/atomic_file.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {
// ((7x + 13y + 5c) mod 17) / 16, as tools/reference/resize_reference.py builds it.
Tensor synthetic(int64_t c, int64_t h, int64_t w) {
  std::vector<float> v;
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) v.push_back(static_cast<float>((7 * x + 13 * y + 5 * k) % 17) / 16.0f);
  return from_vector(v, {c, h, w});
}
}  // namespace

TEST_CASE("a constant image stays constant, up and down") {
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{10, 13}, {300, 451}, {224, 50}}) {
    Tensor out = resize_bilinear(full({3, h, w}, 0.625), 224, 224);
    CHECK(out.shape() == Shape{3, 224, 224});
    for (float v : out.to_vector<float>()) CHECK(v == doctest::Approx(0.625).epsilon(1e-6));
  }
}

TEST_CASE("same size is a copy") {
  Tensor x = synthetic(3, 9, 11);
  test::check_close(resize_bilinear(x, 9, 11), x, 0, 0, "identity");
}

TEST_CASE("a linear ramp stays linear away from the borders") {
  // in_x = x + 0.5 sampled at pixel centres; a ramp along x shrunk by 4 (support 4 taps
  // each side, symmetric weights) gives the mean position: exact away from the borders.
  const int64_t w = 400, out_w = 100;
  std::vector<float> v;
  for (int64_t x = 0; x < w; ++x) v.push_back(static_cast<float>(x) / w);
  Tensor out = resize_bilinear(from_vector(v, {1, 1, w}), 1, out_w);
  std::vector<float> o = out.to_vector<float>();
  for (int64_t i = 2; i < out_w - 2; ++i) {
    double centre = (i + 0.5) * 4.0 - 0.5;  // in pixel-index units
    CHECK(o[i] == doctest::Approx(centre / w).epsilon(1e-6));
  }
  // Enlarging by 4: plain bilinear, also linear inside.
  std::vector<float> small;
  for (int64_t x = 0; x < 10; ++x) small.push_back(static_cast<float>(x));
  std::vector<float> up = resize_bilinear(from_vector(small, {1, 1, 10}), 1, 40).to_vector<float>();
  for (int64_t i = 2; i < 38; ++i) CHECK(up[i] == doctest::Approx((i + 0.5) / 4.0 - 0.5).epsilon(1e-6));
  // ... and clamped at the edges (align_corners=False).
  CHECK(up[0] == 0.0f);
  CHECK(up[39] == 9.0f);
}

TEST_CASE("hand-computed antialiased shrink 4 -> 2 and 3 -> 2") {
  // 4 -> 2: scale 2, support 2; output 0 centre 1: taps j = 0..2 with weights
  // tri((j + 0.5 - 1) / 2) = 0.75, 0.75, 0.25 -> normalised 3/7, 3/7, 1/7.
  std::vector<float> o = resize_bilinear(from_vector(std::vector<float>{1, 2, 3, 4}, {1, 1, 4}), 1, 2)
                             .to_vector<float>();
  CHECK(o[0] == doctest::Approx((3.0 * 1 + 3.0 * 2 + 1.0 * 3) / 7.0));
  CHECK(o[1] == doctest::Approx((1.0 * 2 + 3.0 * 3 + 3.0 * 4) / 7.0));
  // Without antialiasing: plain bilinear at source positions 0.5 and 2.5.
  std::vector<float> p = resize_bilinear(from_vector(std::vector<float>{1, 2, 3, 4}, {1, 1, 4}), 1, 2, false)
                             .to_vector<float>();
  CHECK(p[0] == doctest::Approx(1.5));
  CHECK(p[1] == doctest::Approx(3.5));
}

TEST_CASE("bad shapes are errors") {
  CHECK_THROWS_WITH_AS(resize_bilinear(zeros({4, 4}), 2, 2), doctest::Contains("[resize]"), Error);
  CHECK_THROWS_AS(resize_bilinear(zeros({1, 4, 4}), 0, 2), Error);
}

TEST_CASE("matches torch interpolate(antialias=True) and PIL BILINEAR") {
  if (!test::python_has("/usr/bin/python3", "numpy")) {
    test::skip("/usr/bin/python3 with numpy is not available");
    return;
  }
  std::string dir = test::scratch_dir("resize-ref");
  std::string cmd = "/usr/bin/python3 tools/reference/resize_reference.py '" + dir + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  struct Case { const char* name; int64_t c, ih, iw, oh, ow; };
  const Case cases[] = {{"up", 3, 37, 53, 224, 224}, {"down", 3, 300, 250, 224, 224},
                        {"mixed", 1, 301, 97, 40, 200}, {"big_shrink", 1, 900, 700, 224, 224}};
  int compared = 0;
  for (const Case& c : cases) {
    Tensor ours = resize_bilinear(synthetic(c.c, c.ih, c.iw), c.oh, c.ow);
    for (const char* lib : {"torch", "pil"}) {
      std::string file = dir + "/" + lib + "_" + c.name + ".f32";
      if (!std::filesystem::exists(file)) continue;
      std::string bytes = read_file(file);
      REQUIRE(bytes.size() == static_cast<size_t>(c.c * c.oh * c.ow * 4));
      Tensor ref = from_blob(bytes.data(), DType::Float32, {c.c, c.oh, c.ow}, {});
      test::check_close(ours, ref, 0, 2e-5, std::string(lib) + " " + c.name);
      ++compared;
    }
  }
  if (compared == 0) test::skip("neither torch nor PIL is available");
}
