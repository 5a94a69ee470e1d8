// The batch loader: shapes and labels, every item once per epoch, shuffling per epoch,
// the same batches for any thread count (with augmentation and offline copies too),
// normalisation, in-memory items, errors from workers.
#include <set>

#include "engine/data/loader.h"
#include "engine/data/preprocess.h"
#include "fixtures.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {
std::vector<LoaderItem> fixture_items(int n) {
  std::string root = test::scratch_dir("loader");
  std::vector<LoaderItem> items;
  for (int i = 0; i < n; ++i) {
    LoaderItem item;
    item.path = root + "/" + std::to_string(i) + ".png";
    test::write_id_png(item.path, i, 10 + i % 3, 8);
    item.label = i % 2;
    item.id = 100 + i;
    items.push_back(item);
  }
  return items;
}

std::vector<Batch> epoch_batches(BatchLoader& loader, int64_t epoch) {
  std::vector<Batch> out;
  loader.start_epoch(epoch);
  Batch b;
  while (loader.next(b)) out.push_back(b);
  return out;
}

void check_same(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].indices == b[i].indices);
    CHECK(a[i].copies == b[i].copies);
    CHECK(a[i].labels.to_vector<int64_t>() == b[i].labels.to_vector<int64_t>());
    test::check_close(a[i].images, b[i].images, 0, 0, "batch " + std::to_string(i));
  }
}
}  // namespace

TEST_CASE("shapes, labels, indices; every item exactly once per epoch") {
  std::vector<LoaderItem> items = fixture_items(23);
  LoaderOptions o;
  o.batch_size = 5;
  o.image_size = 16;
  BatchLoader loader(items, o);
  CHECK(loader.size() == 23);
  CHECK(loader.num_batches() == 5);
  std::vector<Batch> batches = epoch_batches(loader, 0);
  REQUIRE(batches.size() == 5);
  CHECK(batches[4].images.shape() == Shape{3, 3, 16, 16});
  std::multiset<int64_t> seen;
  for (const Batch& b : batches) {
    CHECK(b.images.dtype() == DType::Float32);
    CHECK(b.labels.dtype() == DType::Int64);
    std::vector<int64_t> labels = b.labels.to_vector<int64_t>();
    for (size_t r = 0; r < b.indices.size(); ++r) {
      seen.insert(b.indices[r]);
      CHECK(labels[r] == (b.indices[r] - 100) % 2);
    }
  }
  CHECK(seen.size() == 23);
  CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 23);
  // The pixels are the preprocessed file.
  const Batch& b0 = batches[0];
  Tensor expect = load_resized(items[b0.indices[0] - 100].path, 16);
  test::check_close(b0.images.select(0, 0), expect, 0, 0, "row 0");
}

TEST_CASE("same batches for any thread count; epochs shuffle differently") {
  std::vector<LoaderItem> items = fixture_items(17);
  LoaderOptions o;
  o.batch_size = 4;
  o.image_size = 12;
  o.seed = 9;
  o.augment = true;
  o.offline_copies = 2;
  o.threads = 0;
  BatchLoader serial(items, o);
  CHECK(serial.size() == 51);
  std::vector<Batch> reference = epoch_batches(serial, 3);
  for (int threads : {1, 2, 5}) {
    o.threads = threads;
    o.prefetch = threads == 5 ? 1 : 3;
    o.cache = threads != 5;  // without the cache too
    BatchLoader loader(items, o);
    check_same(epoch_batches(loader, 3), reference);
    // Twice in a row, and an epoch abandoned half-way, change nothing.
    loader.start_epoch(7);
    Batch b;
    loader.next(b);
    check_same(epoch_batches(loader, 3), reference);
  }
  std::vector<Batch> other = epoch_batches(serial, 4);
  CHECK(other[0].indices != reference[0].indices);
  // Offline copies: each item appears 1 + 2 times, with copies 0, 1, 2.
  std::multiset<std::pair<int64_t, int64_t>> seen;
  for (const Batch& b : reference)
    for (size_t r = 0; r < b.indices.size(); ++r) seen.insert({b.indices[r], b.copies[r]});
  CHECK(seen.size() == 51);
  CHECK(std::set<std::pair<int64_t, int64_t>>(seen.begin(), seen.end()).size() == 51);
}

TEST_CASE("no shuffle keeps the order; drop_last drops the short batch; normalisation") {
  std::vector<LoaderItem> items = fixture_items(7);
  LoaderOptions o;
  o.batch_size = 3;
  o.image_size = 8;
  o.shuffle = false;
  o.drop_last = true;
  o.imagenet_normalize = true;
  BatchLoader loader(items, o);
  std::vector<Batch> batches = epoch_batches(loader, 0);
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].indices == std::vector<int64_t>{100, 101, 102});
  CHECK(batches[1].indices == std::vector<int64_t>{103, 104, 105});
  test::check_close(batches[0].images.select(0, 1), normalize_imagenet(load_resized(items[1].path, 8)), 1e-6, 1e-6);
}

TEST_CASE("in-memory items; worker errors reach next()") {
  std::vector<LoaderItem> items(3);
  for (int i = 0; i < 3; ++i) {
    items[i].image = full({1, 4, 4}, 0.25 * i);
    items[i].label = i;
    items[i].id = i;
  }
  LoaderOptions o;
  o.image_size = 4;
  o.shuffle = false;
  BatchLoader loader(items, o);
  std::vector<Batch> b = epoch_batches(loader, 0);
  REQUIRE(b.size() == 1);
  std::vector<float> v = b[0].images.to_vector<float>();
  CHECK(v[2 * 48 + 47] == 0.5f);

  std::vector<LoaderItem> bad = fixture_items(4);
  bad[2].path += ".missing.png";
  o.image_size = 8;
  o.batch_size = 1;
  BatchLoader failing(bad, o);
  failing.start_epoch(0);
  Batch batch;
  CHECK_THROWS_WITH_AS(
      [&] {
        while (failing.next(batch)) {
        }
      }(),
      doctest::Contains(".missing.png"), Error);
  CHECK_THROWS_AS(BatchLoader({}, LoaderOptions{}), Error);
  BatchLoader not_started(fixture_items(1), o);
  CHECK_THROWS_WITH_AS(not_started.next(batch), doctest::Contains("start_epoch"), Error);
}

TEST_CASE("pin_memory gives the same batches (page-locked when a GPU is present)") {
  std::vector<LoaderItem> items = fixture_items(9);
  LoaderOptions o;
  o.batch_size = 4;
  o.image_size = 12;
  o.seed = 4;
  o.threads = 2;
  BatchLoader plain(items, o);
  std::vector<Batch> reference = epoch_batches(plain, 1);
  o.pin_memory = true;
  BatchLoader pinned(items, o);
  std::vector<Batch> got = epoch_batches(pinned, 1);
  check_same(got, reference);
  CHECK(got.front().images.device().is_cpu());
  Tensor t = Tensor::empty_pinned({2, 3});
  CHECK(t.device().is_cpu());
  CHECK(t.shape() == Shape{2, 3});
  CHECK_THROWS_AS(Tensor::empty_pinned({-1}), Error);
}
