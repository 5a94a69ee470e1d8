#include "engine/data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include "engine/data/preprocess.h"
#include "engine/data/random.h"
#include "engine/data/resize.h"

namespace msq::data {

struct BatchLoader::State {
  std::vector<LoaderItem> items;
  LoaderOptions options;
  int64_t n = 0, size = 0, batches = 0;

  // The cache (guarded by cache_mutex; images are loaded outside the lock).
  std::mutex cache_mutex;
  std::vector<Tensor> cache;

  // The current epoch.
  int64_t epoch = 0;
  bool started = false;
  std::vector<int64_t> order;
  std::mutex mutex;
  std::condition_variable changed;
  int64_t next_to_build = 0, next_to_yield = 0;
  std::map<int64_t, Batch> ready;
  std::exception_ptr error;
  bool stop = false;
  std::vector<std::thread> workers;

  Tensor load(int64_t i);
  Batch build(int64_t b);
  void work();
  void stop_workers();
};

namespace {
// One channel when every pixel has R = G = B (greyscale stored as RGB).
Tensor squeeze_grey(const Tensor& image) {
  if (image.size(0) != 3) return image;
  const int64_t plane = image.size(1) * image.size(2);
  const float* p = image.data<float>();
  for (int64_t i = 0; i < plane; ++i)
    if (p[i] != p[plane + i] || p[i] != p[2 * plane + i]) return image;
  return image.narrow(0, 0, 1).contiguous();
}
}  // namespace

Tensor BatchLoader::State::load(int64_t i) {
  check(i >= 0 && i < n, "loader", "item ", i, " out of range [0, ", n, ")");
  if (options.cache) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache[i].defined()) return cache[i];
  }
  const LoaderItem& item = items[i];
  const int64_t s = options.image_size;
  Tensor image;
  if (item.image.defined()) {
    check(item.image.dim() == 3 && (item.image.size(0) == 1 || item.image.size(0) == 3), "loader", "item ", i,
          ": in-memory image must be [1|3, H, W], got ", shape_str(item.image.shape()));
    image = resize_bilinear(item.image, s, s, options.antialias);
  } else {
    image = load_resized(item.path, s, options.antialias);
  }
  image = squeeze_grey(image);
  if (options.cache) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (!cache[i].defined()) cache[i] = image;
    return cache[i];
  }
  return image;
}

Batch BatchLoader::State::build(int64_t b) {
  const int64_t start = b * options.batch_size;
  const int64_t rows = std::min(options.batch_size, size - start);
  const int64_t s = options.image_size, plane = s * s;
  Batch batch;
  batch.images = options.pin_memory ? Tensor::empty_pinned({rows, 3, s, s}) : Tensor::empty({rows, 3, s, s});
  batch.labels = options.pin_memory ? Tensor::empty_pinned({rows}, DType::Int64) : Tensor::empty({rows}, DType::Int64);
  float* dst = batch.images.data<float>();
  int64_t* labels = batch.labels.data<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t v = order[start + r], i = v % n, copy = v / n;
    Tensor image = load(i);
    if (copy > 0)
      image = apply_augment(image, draw_augment(options.augment_options, s, s, options.seed ^ kOfflineSeedTag,
                                                copy, i));
    if (options.augment)
      image = apply_augment(image, draw_augment(options.augment_options, s, s, options.seed, epoch, v));
    const float* src = image.data<float>();
    const int64_t c = image.size(0);
    for (int64_t k = 0; k < 3; ++k) {
      float* out = dst + (r * 3 + k) * plane;
      const float* in = src + (c == 1 ? 0 : k) * plane;
      if (options.imagenet_normalize)
        for (int64_t p = 0; p < plane; ++p) out[p] = (in[p] - kImagenetMean[k]) / kImagenetStd[k];
      else
        std::copy(in, in + plane, out);
    }
    labels[r] = items[i].label;
    batch.indices.push_back(items[i].id);
    batch.copies.push_back(copy);
  }
  return batch;
}

void BatchLoader::State::work() {
  for (;;) {
    int64_t b;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] {
        return stop || error || next_to_build >= batches || next_to_build < next_to_yield + options.prefetch;
      });
      if (stop || error || next_to_build >= batches) return;
      b = next_to_build++;
    }
    try {
      Batch batch = build(b);
      std::lock_guard<std::mutex> lock(mutex);
      ready.emplace(b, std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
    }
    changed.notify_all();
  }
}

void BatchLoader::State::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop = true;
  }
  changed.notify_all();
  for (std::thread& t : workers) t.join();
  workers.clear();
}

BatchLoader::BatchLoader(std::vector<LoaderItem> items, LoaderOptions options) : state_(std::make_unique<State>()) {
  check(!items.empty(), "loader", "no items to load");
  check(options.batch_size > 0, "loader", "batch_size must be positive, got ", options.batch_size);
  check(options.threads >= 0, "loader", "threads must be >= 0, got ", options.threads);
  check(options.prefetch >= 1, "loader", "prefetch must be >= 1, got ", options.prefetch);
  check(options.image_size > 0, "loader", "image_size must be positive, got ", options.image_size);
  check(options.offline_copies >= 0, "loader", "offline_copies must be >= 0, got ", options.offline_copies);
  State& s = *state_;
  s.items = std::move(items);
  s.options = options;
  s.n = static_cast<int64_t>(s.items.size());
  s.size = s.n * (1 + options.offline_copies);
  s.batches = options.drop_last ? s.size / options.batch_size
                                : (s.size + options.batch_size - 1) / options.batch_size;
  s.cache.resize(s.n);
}

BatchLoader::~BatchLoader() { state_->stop_workers(); }

int64_t BatchLoader::size() const { return state_->size; }
int64_t BatchLoader::num_batches() const { return state_->batches; }
const LoaderOptions& BatchLoader::options() const { return state_->options; }

void BatchLoader::start_epoch(int64_t epoch) {
  State& s = *state_;
  s.stop_workers();
  s.epoch = epoch;
  s.started = true;
  s.order.resize(s.size);
  std::iota(s.order.begin(), s.order.end(), 0);
  if (s.options.shuffle) {
    std::mt19937_64 rng(derive_seed(s.options.seed, {static_cast<uint64_t>(epoch)}));
    shuffle(s.order, rng);
  }
  s.next_to_build = s.next_to_yield = 0;
  s.ready.clear();
  s.error = nullptr;
  s.stop = false;
  for (int t = 0; t < s.options.threads; ++t) s.workers.emplace_back([&s] { s.work(); });
}

bool BatchLoader::next(Batch& batch) {
  State& s = *state_;
  check(s.started, "loader", "call start_epoch() before next()");
  if (s.next_to_yield >= s.batches) return false;
  if (s.options.threads == 0) {
    batch = s.build(s.next_to_yield++);
    return true;
  }
  std::unique_lock<std::mutex> lock(s.mutex);
  s.changed.wait(lock, [&] { return s.error || s.ready.count(s.next_to_yield) > 0; });
  if (s.error) std::rethrow_exception(s.error);
  auto it = s.ready.find(s.next_to_yield);
  batch = std::move(it->second);
  s.ready.erase(it);
  ++s.next_to_yield;
  lock.unlock();
  s.changed.notify_all();
  return true;
}

Tensor BatchLoader::cached_image(int64_t item) { return state_->load(item); }

std::vector<LoaderItem> loader_items(const Dataset& dataset, Subset subset) {
  std::vector<LoaderItem> items;
  for (int64_t i : dataset.indices(subset)) {
    LoaderItem item;
    item.path = dataset.file_path(i);
    item.label = dataset.samples[i].label;
    item.id = i;
    items.push_back(std::move(item));
  }
  check(!items.empty(), "loader", "subset ", subset_name(subset), " of '", dataset.root, "' is empty");
  return items;
}

}  // namespace msq::data
