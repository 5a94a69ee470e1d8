// The device prefetcher's ordering, checked on the CPU with a recording copy stream that
// behaves as a slow device: a copy runs only when something must see its result (the
// compute that waited for it, or a host wait), never by itself. The stream flags:
//  - a copy that runs after the host dropped its source batch (the loader could have
//    reused the page-locked block while the DMA still read it);
//  - a copy into memory that compute queued earlier may still read, unless the copy
//    stream waited for a compute event recorded after that compute;
// and the consumer checks that every batch it reads holds the source's values.
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/prefetcher.h"
#include "kernels/backend.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {

// Host batches of a known content: batch k, image value (k * 1000 + i), label k * 10 + row.
// A full batch's images take just over 1 MiB, so the CPU allocator caches the freed blocks
// and hands them out again at once (engine/core/storage.cpp): the "device" buffer of batch
// i + 2 is then batch i's, which exercises the overwrite rule.
struct CountingSource {
  int64_t batches = 5, batch_size = 3, last_size = 2, size = 171;
  int64_t made = 0;
  // The storage of every host tensor made, by its data pointer at the time it was made.
  std::vector<std::pair<const void*, std::weak_ptr<Storage>>> made_storages;

  bool operator()(Batch& b) {
    if (made == batches) return false;
    const int64_t rows = made + 1 == batches ? last_size : batch_size;
    b.images = Tensor::empty({rows, 3, size, size});
    b.labels = Tensor::empty({rows}, DType::Int64);
    float* im = b.images.data<float>();
    for (int64_t i = 0; i < b.images.numel(); ++i) im[i] = float(made * 1000 + i);
    int64_t* lab = b.labels.data<int64_t>();
    b.indices.clear();
    for (int64_t r = 0; r < rows; ++r) {
      lab[r] = made * 10 + r;
      b.indices.push_back(made * 100 + r);
    }
    b.copies.assign(size_t(rows), 0);
    made_storages.emplace_back(b.images.raw_data(), b.images.storage());
    made_storages.emplace_back(b.labels.raw_data(), b.labels.storage());
    ++made;
    return true;
  }

  std::weak_ptr<Storage> storage_of(const void* p) const {
    for (auto it = made_storages.rbegin(); it != made_storages.rend(); ++it) {
      if (it->first == p) return it->second;
    }
    return {};
  }
};

struct Log {
  std::vector<std::string> violations;
  int64_t copies_run = 0;
  int64_t copies_into_reused_memory = 0;  // copies whose target compute had read before
  int64_t live_events = 0;                // recorded and not yet released
};

// A copy stream that runs copies lazily and checks the two rules above.
class RecordingCopyStream final : public CopyStream {
 public:
  RecordingCopyStream(const CountingSource& source, Log& log) : source_(source), log_(log) {}

  Event record_compute() override { return add_event(true, compute_position_); }
  void copy_waits(Event e) override {
    const EventInfo& ev = events_.at(e);
    if (ev.compute) copy_barrier_ = std::max(copy_barrier_, ev.position);
  }
  void copy_from_host(void* dst, const void* src, size_t bytes) override {
    for (const Use& u : uses_) {
      const bool overlaps = static_cast<char*>(dst) < u.end && u.begin < static_cast<char*>(dst) + bytes;
      if (!overlaps) continue;
      ++log_.copies_into_reused_memory;
      if (u.position > copy_barrier_) {
        log_.violations.push_back("copy into memory that queued compute may still read");
      }
    }
    copies_.push_back({dst, src, bytes, source_.storage_of(src), false});
  }
  Event record_copy() override { return add_event(false, int64_t(copies_.size())); }
  void compute_waits(Event e) override {
    const EventInfo& ev = events_.at(e);
    if (!ev.compute) compute_needs_ = std::max(compute_needs_, ev.position);
  }
  bool done(Event e) override {
    const EventInfo& ev = events_.at(e);
    return ev.compute || ran_upto_ >= ev.position;
  }
  void host_waits(Event e) override {
    const EventInfo& ev = events_.at(e);
    if (!ev.compute) run_copies(ev.position);
  }
  void release(Event e) override {
    if (!events_.at(e).live) log_.violations.push_back("event released twice");
    events_.at(e).live = false;
    --log_.live_events;
  }

  // The consumer's compute on a batch: first the copies it waited for run, then it reads
  // the batch's memory (recorded as a use at a new compute position).
  void compute_on(const Batch& b) {
    run_copies(compute_needs_);
    for (const Tensor* t : {&b.images, &b.labels}) {
      char* p = static_cast<char*>(t->raw_data());
      uses_.push_back({p, p + t->numel() * int64_t(dtype_size(t->dtype())), ++compute_position_});
    }
  }

 private:
  struct EventInfo {
    bool compute;
    int64_t position;  // compute: uses recorded before it; copy: copies queued before it
    bool live;
  };
  struct Use {
    char* begin;
    char* end;
    int64_t position;
  };
  struct Copy {
    void* dst;
    const void* src;
    size_t bytes;
    std::weak_ptr<Storage> source;
    bool ran;
  };

  Event add_event(bool compute, int64_t position) {
    ++log_.live_events;
    events_.push_back({compute, position, true});
    return events_.size() - 1;
  }

  void run_copies(int64_t upto) {
    for (; ran_upto_ < upto; ++ran_upto_) {
      Copy& c = copies_[size_t(ran_upto_)];
      if (c.source.expired()) {
        log_.violations.push_back("a copy ran after its host batch was freed");
        continue;
      }
      std::memcpy(c.dst, c.src, c.bytes);
      c.ran = true;
      ++log_.copies_run;
    }
  }

  const CountingSource& source_;
  Log& log_;
  std::vector<EventInfo> events_;
  std::vector<Copy> copies_;
  std::vector<Use> uses_;
  int64_t compute_position_ = 0, copy_barrier_ = 0, compute_needs_ = 0, ran_upto_ = 0;
};

void check_batch(const Batch& b, int64_t k, int64_t rows) {
  REQUIRE(b.images.size(0) == rows);
  REQUIRE(b.labels.size(0) == rows);
  const float* im = b.images.data<float>();
  bool images_ok = true;
  for (int64_t i = 0; i < b.images.numel(); ++i) images_ok = images_ok && im[i] == float(k * 1000 + i);
  CHECK(images_ok);
  const int64_t* lab = b.labels.data<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    CHECK(lab[r] == k * 10 + r);
    CHECK(b.indices[size_t(r)] == k * 100 + r);
  }
}

}  // namespace

TEST_CASE("prefetcher: batches arrive whole and in order; no copy reads a freed source or overwrites memory in use") {
  CountingSource source;
  Log log;
  auto stream = std::make_unique<RecordingCopyStream>(source, log);
  RecordingCopyStream* rec = stream.get();
  {
    DevicePrefetcher prefetcher([&](Batch& b) { return source(b); }, Device::cpu(), std::move(stream));
    Batch b;
    int64_t k = 0;
    while (prefetcher.next(b)) {
      // The next batch is already taken from the source (its copy queued) before the
      // caller computes on this one.
      CHECK(source.made == std::min<int64_t>(k + 2, source.batches));
      rec->compute_on(b);
      check_batch(b, k, k + 1 == source.batches ? source.last_size : source.batch_size);
      ++k;
      b = Batch();  // the step is over: its tensors are freed (and may be reused)
    }
    CHECK(k == source.batches);
    CHECK_FALSE(prefetcher.next(b));
  }
  CHECK(log.copies_run == 2 * source.batches);
  CHECK(log.live_events == 0);  // every event released (the stream itself is gone here)
  // Freed batch memory was handed out again: the overwrite rule was exercised.
  CHECK(log.copies_into_reused_memory > 0);
  std::string all;
  for (const std::string& v : log.violations) all += v + "; ";
  CHECK_MESSAGE(log.violations.empty(), all);
}

TEST_CASE("prefetcher: destroyed early, it waits for the copy in flight") {
  CountingSource source;
  Log log;
  {
    auto stream = std::make_unique<RecordingCopyStream>(source, log);
    RecordingCopyStream* rec = stream.get();
    DevicePrefetcher prefetcher([&](Batch& b) { return source(b); }, Device::cpu(), std::move(stream));
    Batch b;
    REQUIRE(prefetcher.next(b));
    rec->compute_on(b);
    check_batch(b, 0, source.batch_size);
  }
  CHECK(log.copies_run == 4);  // batch 0, and batch 1 (queued ahead) waited for
  CHECK(log.live_events == 0);
  CHECK(log.violations.empty());
}

TEST_CASE("prefetcher: the CPU passes batches through; the default copy stream copies at once") {
  for (bool with_stream : {false, true}) {
    CAPTURE(with_stream);
    CountingSource source;
    std::unique_ptr<CopyStream> stream = with_stream ? backend(Device::cpu()).new_copy_stream() : nullptr;
    DevicePrefetcher prefetcher([&](Batch& b) { return source(b); }, Device::cpu(), std::move(stream));
    Batch b;
    int64_t k = 0;
    while (prefetcher.next(b)) {
      check_batch(b, k, k + 1 == source.batches ? source.last_size : source.batch_size);
      ++k;
    }
    CHECK(k == source.batches);
  }
}
