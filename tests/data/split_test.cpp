// Splits: stratified proportions, determinism, seeds, subjects and duplicates kept
// together; the manifest's round trip and validation errors.
#include <filesystem>
#include <map>
#include <set>

#include "engine/data/manifest.h"
#include "engine/data/scan.h"
#include "engine/data/split.h"
#include "engine/io/atomic_file.h"
#include "fixtures.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {
// An in-memory dataset: n0 control, n1 MS samples; controls in subjects of `per_subject`.
Dataset make_dataset(int n0, int n1, int per_subject = 0) {
  Dataset d;
  d.root = "/nowhere";
  d.layout = "kaggle";
  d.classes = {"control", "ms"};
  for (int i = 0; i < n0 + n1; ++i) {
    Sample s;
    s.path = "f" + std::to_string(i);
    s.label = i < n0 ? 0 : 1;
    if (per_subject > 0 && i < n0) s.subject = "subject " + std::to_string(i / per_subject);
    d.samples.push_back(s);
  }
  return d;
}

std::vector<Subset> subsets_of(const Dataset& d) {
  std::vector<Subset> out;
  for (const Sample& s : d.samples) out.push_back(s.subset);
  return out;
}
}  // namespace

TEST_CASE("stratified 80/20 then 80/20: exact counts with singleton groups") {
  Dataset d = make_dataset(600, 400);
  split_dataset(d, SplitOptions{7});
  CHECK(d.class_counts(Subset::Test) == std::vector<int64_t>{120, 80});
  CHECK(d.class_counts(Subset::Val) == std::vector<int64_t>{96, 64});
  CHECK(d.class_counts(Subset::Train) == std::vector<int64_t>{384, 256});
  CHECK(d.indices(Subset::None).empty());
}

TEST_CASE("the paper's test-set sizes: 331 axial, 355 sagittal") {
  Dataset axial = make_dataset(1002, 650);
  split_dataset(axial);
  std::vector<int64_t> t = axial.class_counts(Subset::Test);
  CHECK(t[0] + t[1] == 331);
  CHECK(std::abs(t[1] - 0.2 * 650) <= 1);
  Dataset sagittal = make_dataset(1014, 761);
  split_dataset(sagittal);
  t = sagittal.class_counts(Subset::Test);
  CHECK(t[0] + t[1] == 355);
  MESSAGE(split_summary(sagittal));
}

TEST_CASE("a seed gives the same split; different seeds differ") {
  Dataset a = make_dataset(300, 200), b = make_dataset(300, 200), c = make_dataset(300, 200);
  split_dataset(a, SplitOptions{123});
  split_dataset(b, SplitOptions{123});
  split_dataset(c, SplitOptions{124});
  CHECK(subsets_of(a) == subsets_of(b));
  CHECK(subsets_of(a) != subsets_of(c));
  CHECK(a.class_counts(Subset::Test) == c.class_counts(Subset::Test));
}

TEST_CASE("subject-aware: no subject straddles two subsets; stratification stays close") {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    Dataset d = make_dataset(800, 500, 20);
    split_dataset(d, SplitOptions{seed, 0.2, 0.2, true});
    std::map<std::string, std::set<int>> seen;
    for (const Sample& s : d.samples)
      if (!s.subject.empty()) seen[s.subject].insert(static_cast<int>(s.subset));
    for (auto& [subject, subsets] : seen) CHECK_MESSAGE(subsets.size() == 1, subject << " straddles");
    std::vector<int64_t> test = d.class_counts(Subset::Test);
    CHECK(std::abs(test[0] - 160) <= 10);  // groups of 20: within half a group
    CHECK(test[1] == 100);                 // MS files are singletons: exact
  }
}

TEST_CASE("duplicates stay together, also across subjects") {
  Dataset d = make_dataset(200, 200, 10);
  // Chain: 5 dup of 3 (same subject), 150 dup of 40 (different subjects), 300 dup of 250 (MS).
  d.samples[5].duplicate_of = 3;
  d.samples[150].duplicate_of = 40;
  d.samples[300].duplicate_of = 250;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    split_dataset(d, SplitOptions{seed});
    CHECK(d.samples[5].subset == d.samples[3].subset);
    CHECK(d.samples[150].subset == d.samples[40].subset);
    CHECK(d.samples[300].subset == d.samples[250].subset);
    split_dataset(d, SplitOptions{seed, 0.2, 0.2, true});
    // Subjects 4 (40..49) and 15 (150..159) are merged through the duplicate.
    for (int i = 40; i < 50; ++i) CHECK(d.samples[i].subset == d.samples[150].subset);
    for (int i = 150; i < 160; ++i) CHECK(d.samples[i].subset == d.samples[40].subset);
  }
}

TEST_CASE("split option errors") {
  Dataset d = make_dataset(10, 10);
  CHECK_THROWS_WITH_AS(split_dataset(d, SplitOptions{0, 1.0}), doctest::Contains("test_fraction"), Error);
  CHECK_THROWS_WITH_AS(split_dataset(d, SplitOptions{0, 0.2, -0.1}), doctest::Contains("val_fraction"), Error);
  Dataset empty = make_dataset(0, 0);
  CHECK_THROWS_AS(split_dataset(empty), Error);
}

TEST_CASE("manifest round trip and validation") {
  std::string root = test::scratch_dir("manifest");
  test::make_kaggle_fixture(root);
  SplitManifest m;
  m.dataset = scan_dataset(root);
  m.split = SplitOptions{99, 0.2, 0.25, true};
  split_dataset(m.dataset, m.split);
  std::string path = root + "/split.json";
  write_split_manifest(path, m);

  SplitManifest back = read_split_manifest(path, ManifestReadOptions{"", true, true});
  CHECK(back.dataset.root == root);
  CHECK(back.dataset.layout == "kaggle");
  CHECK(back.dataset.plane == "axial");
  CHECK(back.dataset.classes == m.dataset.classes);
  CHECK(back.split.seed == 99);
  CHECK(back.split.val_fraction == 0.25);
  CHECK(back.split.subject_aware);
  CHECK(back.subjects.pattern == m.subjects.pattern);
  REQUIRE(back.dataset.samples.size() == m.dataset.samples.size());
  for (size_t i = 0; i < m.dataset.samples.size(); ++i) {
    const Sample &a = m.dataset.samples[i], &b = back.dataset.samples[i];
    CHECK(a.path == b.path);
    CHECK(a.label == b.label);
    CHECK(a.subset == b.subset);
    CHECK(a.subject == b.subject);
    CHECK(a.hash == b.hash);
    CHECK(a.bytes == b.bytes);
    CHECK(a.duplicate_of == b.duplicate_of);
  }
  CHECK(split_manifest_json(back) == read_file(path));

  // Another data root (the files moved together).
  std::string moved = test::scratch_dir("manifest-moved");
  std::filesystem::remove(moved);
  std::filesystem::rename(root, moved);
  CHECK(read_split_manifest(moved + "/split.json", ManifestReadOptions{moved}).dataset.root == moved);
  CHECK_THROWS_WITH_AS(read_split_manifest(moved + "/split.json"), doctest::Contains("files[0].path"), Error);

  // Field errors name the field.
  std::string text = read_file(moved + "/split.json");
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    size_t at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    write_file_atomic(moved + "/bad.json", t);
    return moved + "/bad.json";
  };
  ManifestReadOptions at_moved{moved};
  CHECK_THROWS_WITH_AS(read_split_manifest(broken("\"label\": 0", "\"label\": 7"), at_moved),
                       doctest::Contains("files[0].label"), Error);
  CHECK_THROWS_WITH_AS(read_split_manifest(broken("\"subset\": \"", "\"subset\": \"x"), at_moved),
                       doctest::Contains("].subset"), Error);
  CHECK_THROWS_WITH_AS(read_split_manifest(broken("\"hash\"", "\"hush\""), at_moved),
                       doctest::Contains("missing field files[0].hash"), Error);
  CHECK_THROWS_WITH_AS(read_split_manifest(broken("\"version\": 1", "\"version\": 2"), at_moved),
                       doctest::Contains("version 2"), Error);
  CHECK_THROWS_WITH_AS(read_split_manifest(broken("{", "["), at_moved), doctest::Contains("not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(read_split_manifest(moved + "/none.json"), doctest::Contains("none.json"), Error);
  // A changed file is caught by its size or, with verify_hashes, its hash.
  test::write_id_png(moved + "/MS Axial_crop/A1 (1).png", 77, 6, 6);
  CHECK_THROWS_WITH_AS(read_split_manifest(moved + "/split.json", at_moved), doctest::Contains(".bytes"), Error);
  // Same size, other bytes: only verify_hashes notices.
  std::string original = read_file(moved + "/MS Axial_crop/A1 (3).png");
  std::string changed = original;
  changed[changed.size() / 2] ^= 0x55;
  write_file_atomic(moved + "/MS Axial_crop/A1 (1).png", read_file(moved + "/MS Axial_crop/A1 (2).png"));
  write_file_atomic(moved + "/MS Axial_crop/A1 (3).png", changed);
  CHECK_NOTHROW(read_split_manifest(moved + "/split.json", at_moved));
  CHECK_THROWS_WITH_AS(read_split_manifest(moved + "/split.json", ManifestReadOptions{moved, true, true}),
                       doctest::Contains("A1 (3).png' has changed"), Error);
}
