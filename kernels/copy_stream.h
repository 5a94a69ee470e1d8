// Host-to-device copies that run beside the compute: a copy stream and events.
//
// The compute stream is the one every kernel runs on (CUDA: the legacy default stream). A
// consumer that wants batch i + 1 copied while batch i computes (engine/data/prefetcher.h):
//   e = record_compute(); copy_waits(e);   // the copy may overwrite memory that the compute
//                                          // queued so far has finished with
//   copy_from_host(dst, src, bytes); c = record_copy();
//   compute_waits(c);                      // before queueing the compute that reads dst
//   ... the host source must stay untouched until done(c) or host_waits(c) ...
// Events are handles owned by the stream; release() each one once it is no longer needed.
// Backend::new_copy_stream() gives the device's stream; the default (CPU, or no second
// stream) copies at once, and its events are complete when recorded.
#pragma once
#include <cstddef>
#include <cstdint>

namespace msq {

class CopyStream {
 public:
  using Event = uint64_t;
  virtual ~CopyStream() = default;

  // An event after the compute queued so far.
  virtual Event record_compute() = 0;
  // Later copies wait (on the device, not the host) for event e.
  virtual void copy_waits(Event e) = 0;
  // Queues a copy of `bytes` from host memory (page-locked, for a real overlap) to device
  // memory on the copy stream.
  virtual void copy_from_host(void* dst, const void* src_host, size_t bytes) = 0;
  // An event after the copies queued so far.
  virtual Event record_copy() = 0;
  // Compute queued from now on waits (on the device) for event e.
  virtual void compute_waits(Event e) = 0;
  // True when e has completed; never blocks.
  virtual bool done(Event e) = 0;
  // Blocks the host until e has completed.
  virtual void host_waits(Event e) = 0;
  virtual void release(Event e) = 0;
};

}  // namespace msq
