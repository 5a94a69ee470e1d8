// The synthetic dataset: determinism for a seed, the Kaggle layout it writes (which
// scan_dataset reads back), MS slices with lesions, controls without.
#include <filesystem>

#include "engine/data/duplicates.h"
#include "engine/data/scan.h"
#include "engine/data/synthetic.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

TEST_CASE("a seed fixes the dataset; another seed changes it") {
  SyntheticOptions o;
  o.per_class = 6;
  o.size = 64;
  o.seed = 3;
  std::vector<SyntheticSlice> a = generate_synthetic(o), b = generate_synthetic(o);
  o.seed = 4;
  std::vector<SyntheticSlice> c = generate_synthetic(o);
  REQUIRE(a.size() == 24);
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].path == b[i].path);
    CHECK(a[i].image.pixels == b[i].image.pixels);
    CHECK(a[i].image.pixels != c[i].image.pixels);
    CHECK(a[i].image.width == 64);
    CHECK(a[i].image.channels == 1);
    CHECK((a[i].label == 1) == (a[i].lesions > 0));
    if (a[i].label == 1) CHECK(a[i].lesions >= 2);
  }
}

TEST_CASE("MS slices are brighter in their maxima; planes differ in shape") {
  SyntheticOptions o;
  o.per_class = 20;
  std::vector<SyntheticSlice> all = generate_synthetic(o);
  double max_ms = 0, max_control = 0;
  int wide_axial = 0, wide_sagittal = 0, n_axial = 0, n_sagittal = 0;
  for (const SyntheticSlice& s : all) {
    int top = *std::max_element(s.image.pixels.begin(), s.image.pixels.end());
    (s.label ? max_ms : max_control) += top / 20.0;
    // Extent of the brain (pixels > 40) along x and y.
    int64_t x0 = 128, x1 = 0, y0 = 128, y1 = 0;
    for (int64_t y = 0; y < 128; ++y)
      for (int64_t x = 0; x < 128; ++x)
        if (s.image.pixels[y * 128 + x] > 40) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    bool wide = (x1 - x0) > 1.15 * (y1 - y0);
    if (s.plane == "axial") wide_axial += wide, ++n_axial;
    else wide_sagittal += wide, ++n_sagittal;
  }
  MESSAGE("mean max: MS " << max_ms / 2 << ", control " << max_control / 2);
  CHECK(max_ms > max_control + 40);
  CHECK(wide_axial == 0);
  CHECK(wide_sagittal == n_sagittal);
}

TEST_CASE("written in the Kaggle layout, scanned back with subjects") {
  std::string root = test::scratch_dir("synthetic");
  SyntheticOptions o;
  o.per_class = 20;
  o.size = 32;
  o.slices_per_subject = 8;
  CHECK(write_synthetic_dataset(root, o) == 80);
  CHECK(std::filesystem::exists(root + "/MS Axial_crop/A1 (20).png"));
  CHECK(std::filesystem::exists(root + "/MS Saggital_crop/S1 (1).png"));
  CHECK(std::filesystem::exists(root + "/Control Axial_crop/kontrol 3 (4).png"));
  CHECK(std::filesystem::exists(root + "/Control Saggital_crop/kontrol 1 (8).png"));
  for (const char* plane : {"axial", "sagittal"}) {
    Dataset d = scan_dataset(root, ScanOptions{Layout::Auto, plane, {}});
    CHECK(d.layout == "kaggle");
    CHECK(d.class_counts() == std::vector<int64_t>{20, 20});
    CHECK(count_duplicates(d) == 0);
    int64_t subject3 = 0;
    for (const Sample& s : d.samples) subject3 += s.subject == "kontrol 3";
    CHECK(subject3 == 4);  // 20 controls in subjects of 8: 8, 8, 4
  }
  CHECK_THROWS_AS(synthetic_slice("coronal", true, 0, 64), Error);
}
