#include "engine/data/prefetcher.h"

#include <utility>

#include "engine/core/error.h"
#include "kernels/backend.h"

namespace msq::data {

namespace {

size_t bytes_of(const Tensor& t) { return size_t(t.numel()) * dtype_size(t.dtype()); }

// A loader's batches, at most `limit` of them (0 = all).
DevicePrefetcher::Source loader_source(BatchLoader& loader, int64_t limit) {
  auto taken = std::make_shared<int64_t>(0);
  return [&loader, limit, taken](Batch& b) {
    if (limit > 0 && *taken >= limit) return false;
    if (!loader.next(b)) return false;
    ++*taken;
    return true;
  };
}

}  // namespace

DevicePrefetcher::DevicePrefetcher(BatchLoader& loader, Device device, int64_t limit)
    : DevicePrefetcher(loader_source(loader, limit), device,
                       device.is_cpu() ? nullptr : backend(device).new_copy_stream()) {}

DevicePrefetcher::DevicePrefetcher(Source source, Device device, std::unique_ptr<CopyStream> stream)
    : source_(std::move(source)), device_(device), stream_(std::move(stream)) {}

DevicePrefetcher::~DevicePrefetcher() {
  if (!stream_) return;
  // Every copy must finish before its host batch or device buffer is freed (the caching
  // allocators would hand them out again at once). Never throws.
  try {
    if (has_ahead_) {
      stream_->host_waits(ahead_.copied);
      stream_->release(ahead_.copied);
    }
    for (HostHeld& h : held_) {
      stream_->host_waits(h.copied);
      stream_->release(h.copied);
    }
  } catch (...) {
  }
}

void DevicePrefetcher::fetch() {
  Batch host;
  has_ahead_ = false;
  if (!source_(host)) return;
  check(host.images.is_contiguous() && host.labels.is_contiguous(), "prefetcher",
        "the source's batches must be contiguous");
  // The copy may overwrite only memory the compute queued so far has finished with.
  const CopyStream::Event free = stream_->record_compute();
  stream_->copy_waits(free);
  stream_->release(free);
  ahead_.images = Tensor::empty(host.images.shape(), host.images.options().with_device(device_));
  ahead_.labels = Tensor::empty(host.labels.shape(), host.labels.options().with_device(device_));
  stream_->copy_from_host(ahead_.images.raw_data(), host.images.raw_data(), bytes_of(host.images));
  stream_->copy_from_host(ahead_.labels.raw_data(), host.labels.raw_data(), bytes_of(host.labels));
  ahead_.copied = stream_->record_copy();
  ahead_.host = std::move(host);
  has_ahead_ = true;
}

void DevicePrefetcher::retire(bool block) {
  while (!held_.empty()) {
    HostHeld& h = held_.front();
    if (!stream_->done(h.copied)) {
      if (!block) return;
      stream_->host_waits(h.copied);
    }
    stream_->release(h.copied);
    held_.pop_front();
  }
}

bool DevicePrefetcher::next(Batch& batch) {
  if (!stream_) return source_(batch);  // the CPU: nothing to copy
  if (!started_) {
    started_ = true;
    fetch();
  }
  if (!has_ahead_) return false;
  InFlight current = std::move(ahead_);
  has_ahead_ = false;
  stream_->compute_waits(current.copied);
  retire(false);
  held_.push_back({std::move(current.host), current.copied});
  // Batch i + 1's copy is queued before the caller queues step i's compute: it waits for
  // the steps before i only and runs beside step i.
  fetch();
  if (held_.size() > kHostBatchesInFlight) {
    HostHeld& oldest = held_.front();
    stream_->host_waits(oldest.copied);
    stream_->release(oldest.copied);
    held_.pop_front();
  }
  const HostHeld& h = held_.back();
  batch.images = current.images;
  batch.labels = current.labels;
  batch.indices = h.host.indices;
  batch.copies = h.host.copies;
  return true;
}

}  // namespace msq::data
