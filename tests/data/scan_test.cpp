// Scanning datasets: the Kaggle and generic layouts, subject ids, duplicates, errors, and
// the shared copy of the real dataset when present.
#include <filesystem>

#include "engine/data/duplicates.h"
#include "engine/data/file_hash.h"
#include "engine/data/scan.h"
#include "fixtures.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;
namespace fs = std::filesystem;

namespace {
const Sample& find(const Dataset& d, const std::string& path) {
  for (const Sample& s : d.samples)
    if (s.path == path) return s;
  FAIL("no sample " << path);
  return d.samples.front();
}
}  // namespace

TEST_CASE("fnv1a64 known values") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  CHECK(hash_hex(0xaf63dc4c8601ec8cull) == "af63dc4c8601ec8c");
  CHECK(parse_hash_hex("af63dc4c8601ec8c", "h") == 0xaf63dc4c8601ec8cull);
  CHECK_THROWS_AS(parse_hash_hex("xyz", "h"), Error);
}

TEST_CASE("subject ids from file names") {
  SubjectRule rule;
  CHECK(rule("Control Axial_crop/kontrol 12 (7).jpg") == "kontrol 12");
  CHECK(rule("kontrol 35 s (2).png") == "kontrol 35");
  CHECK(rule("kontrl 9 (3).jpg") == "kontrl 9");
  CHECK(rule("kontrol aks (5).jpg") == "kontrol aks");
  CHECK(rule("kontrol  (4).jpg") == "kontrol");
  CHECK(rule("Kontrol 15  (1).jpg") == "kontrol 15");
  CHECK(rule("MS Axial_crop/A1 (14).jpg") == "");
  SubjectRule blocks(SubjectOptions{kDefaultSubjectPattern, 20});
  CHECK(blocks("A1 (1).jpg") == "a1#0");
  CHECK(blocks("A1 (20).jpg") == "a1#0");
  CHECK(blocks("A1 (21).jpg") == "a1#1");
  CHECK(blocks("kontrol 3 (40).jpg") == "kontrol 3");
  CHECK(blocks("scan.png") == "");
  CHECK(SubjectRule(SubjectOptions{R"(^patient-\d+)", 0})("patient-17_slice3.png") == "patient-17");
  CHECK_THROWS_WITH_AS(SubjectRule(SubjectOptions{"(unclosed", 0}), doctest::Contains("(unclosed"), Error);
}

TEST_CASE("kaggle layout: planes, labels, subjects, duplicates") {
  std::string root = test::scratch_dir("scan-kaggle");
  int axial = test::make_kaggle_fixture(root);
  Dataset d = scan_dataset(root);
  CHECK(d.layout == "kaggle");
  CHECK(d.plane == "axial");
  CHECK(d.classes == std::vector<std::string>{"control", "ms"});
  CHECK(static_cast<int>(d.samples.size()) == axial);
  CHECK(d.class_counts() == std::vector<int64_t>{28, 30});
  CHECK(find(d, "MS Axial_crop/A1 (3).png").label == 1);
  CHECK(find(d, "MS Axial_crop/A1 (3).png").subject == "");
  CHECK(find(d, "Control Axial_crop/kontrol 3 (2).png").label == 0);
  CHECK(find(d, "Control Axial_crop/kontrol 3 (2).png").subject == "kontrol 3");
  CHECK(find(d, "Control Axial_crop/kontrol  (2).png").subject == "kontrol");
  for (size_t i = 1; i < d.samples.size(); ++i) CHECK(d.samples[i - 1].path < d.samples[i].path);
  // The two planted duplicate pairs.
  CHECK(count_duplicates(d) == 2);
  const Sample& dup = find(d, "MS Axial_crop/A1 (2).png");
  REQUIRE(dup.duplicate_of >= 0);
  CHECK(d.samples[dup.duplicate_of].path == "MS Axial_crop/A1 (1).png");
  const Sample& dup2 = find(d, "Control Axial_crop/kontrol 2 (1).png");
  REQUIRE(dup2.duplicate_of >= 0);
  CHECK(d.samples[dup2.duplicate_of].path == "Control Axial_crop/kontrol 1 (6).png");

  Dataset s = scan_dataset(root, ScanOptions{Layout::Kaggle, "sagittal", {}});
  CHECK(s.plane == "sagittal");
  CHECK(s.class_counts() == std::vector<int64_t>{12, 20});
  CHECK(find(s, "Control Saggital_crop/kontrol 35 s (4).png").subject == "kontrol 35");
  CHECK(count_duplicates(s) == 0);
  CHECK(fs::path(s.file_path(0)).is_absolute() == fs::path(root).is_absolute());
  CHECK(fs::exists(s.file_path(0)));
}

TEST_CASE("generic layout: one class per folder, sorted") {
  std::string root = test::scratch_dir("scan-generic");
  for (int i = 0; i < 3; ++i) test::write_id_png(root + "/zebra/" + std::to_string(i) + ".png", i);
  for (int i = 0; i < 2; ++i) test::write_id_png(root + "/apple/sub/" + std::to_string(i) + ".PNG", 10 + i);
  Dataset d = scan_dataset(root);
  CHECK(d.layout == "generic");
  CHECK(d.classes == std::vector<std::string>{"apple", "zebra"});
  CHECK(d.class_counts() == std::vector<int64_t>{2, 3});
  CHECK(d.samples[0].path == "apple/sub/0.PNG");
}

TEST_CASE("scan errors") {
  std::string root = test::scratch_dir("scan-errors");
  CHECK_THROWS_WITH_AS(scan_dataset(root + "/nope"), doctest::Contains("is not a folder"), Error);
  // Unknown layout: no folders at all.
  test::write_id_png(root + "/loose.png", 1);
  CHECK_THROWS_WITH_AS(scan_dataset(root), doctest::Contains("unknown layout"), Error);
  // Missing class: only MS for the axial plane.
  test::write_id_png(root + "/MS Axial_crop/A1 (1).png", 1);
  CHECK_THROWS_WITH_AS(scan_dataset(root), doctest::Contains("missing class"), Error);
  // Empty class folder.
  fs::create_directories(root + "/Control Axial_crop");
  CHECK_THROWS_WITH_AS(scan_dataset(root), doctest::Contains("holds no images"), Error);
  CHECK_THROWS_WITH_AS(scan_dataset(root, ScanOptions{Layout::Kaggle, "coronal", {}}),
                       doctest::Contains("plane"), Error);
  CHECK_THROWS_AS(parse_layout("imagenet"), Error);
  // Generic layout with one class.
  std::string one = test::scratch_dir("scan-one-class");
  test::write_id_png(one + "/only/a.png", 1);
  CHECK_THROWS_WITH_AS(scan_dataset(one), doctest::Contains("missing class"), Error);
}

TEST_CASE("the shared copy of the real dataset") {
  const std::string root = test::shared_data_dir() + "/ms-mri";
  if (!fs::exists(root + "/MS Axial_crop")) {
    test::skip("no " + root + " here");
    return;
  }
  Dataset d = scan_dataset(root, ScanOptions{Layout::Auto, "axial", {}});
  std::vector<int64_t> counts = d.class_counts();
  CHECK(counts[0] > 500);
  CHECK(counts[1] > 500);
  const Sample& a15 = find(d, "MS Axial_crop/A1 (15).jpg");
  REQUIRE(a15.duplicate_of >= 0);
  CHECK(d.samples[a15.duplicate_of].path == "MS Axial_crop/A1 (14).jpg");
  MESSAGE("axial: " << counts[0] << " control, " << counts[1] << " MS, " << count_duplicates(d) << " duplicates");
  int64_t with_subject = 0;
  for (const Sample& s : d.samples) with_subject += !s.subject.empty();
  CHECK(with_subject == counts[0]);  // every control file has a subject group, no MS file has
}
