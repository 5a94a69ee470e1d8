// Feeds a device from a batch source one batch ahead: while the model computes on batch i,
// batch i + 1 is copied to the device on a copy stream (kernels/copy_stream.h), so the
// host-to-device copy overlaps the compute instead of stalling it.
//
// The ordering, per next() call that hands out batch i:
//   compute_waits(copied[i])       the compute the caller queues next reads batch i only
//                                  after its copy;
//   host batch i+1 <- source;  e = record_compute(); copy_waits(e)
//                                  the copy of batch i+1 may overwrite only device memory the
//                                  compute queued so far has finished with (the caching
//                                  allocator may hand it a block an earlier step freed);
//   copy i+1; copied[i+1] = record_copy()
//                                  it runs while the caller's step i computes;
//   the host (pinned) batch of a copy is kept until done(copied) (or, with more than
//   kHostBatchesInFlight still copying, host_waits): the loader may reuse its page-locked
//   block only when the DMA has finished reading it.
// The destructor waits for every copy still running before any buffer is freed.
//
// On the CPU (no copy stream given) batches pass through unchanged.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "engine/core/device.h"
#include "engine/data/loader.h"
#include "kernels/copy_stream.h"

namespace msq::data {

class DevicePrefetcher {
 public:
  // Fills its argument with the next host batch; false when there is none.
  using Source = std::function<bool(Batch&)>;
  static constexpr size_t kHostBatchesInFlight = 2;

  // The current epoch of `loader` (start_epoch already called), at most `limit` batches
  // (0 = all), onto `device` through that device's copy stream.
  DevicePrefetcher(BatchLoader& loader, Device device, int64_t limit = 0);
  // Any source and copy stream (tests drive the ordering with a recording stream). With a
  // null stream the batches pass through unchanged (a CPU device).
  DevicePrefetcher(Source source, Device device, std::unique_ptr<CopyStream> stream);
  ~DevicePrefetcher();
  DevicePrefetcher(const DevicePrefetcher&) = delete;
  DevicePrefetcher& operator=(const DevicePrefetcher&) = delete;

  // The next batch with images and labels on the device (indices and copies as the
  // source's); false when the source is exhausted.
  bool next(Batch& batch);

 private:
  struct InFlight {
    Batch host;            // the source's batch (page-locked for a real overlap)
    Tensor images, labels; // device copies
    CopyStream::Event copied = 0;
  };
  struct HostHeld {
    Batch host;
    CopyStream::Event copied = 0;
  };

  void fetch();             // takes the next host batch and queues its copy into ahead_
  void retire(bool block);  // drops host batches whose copies are done

  Source source_;
  Device device_;
  std::unique_ptr<CopyStream> stream_;
  bool started_ = false;
  bool has_ahead_ = false;
  InFlight ahead_;               // the batch being copied for the next next()
  std::deque<HostHeld> held_;    // host batches handed out whose copies may still run
};

}  // namespace msq::data
