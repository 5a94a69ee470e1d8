// Random draws whose first counter is read from device memory, so that a captured CUDA graph
// (kernels/step_graph.h) draws fresh dropout / drop-path masks in every replay.
//
// A DeviceRandomBase is an int64 [1] tensor on a device. While a DeviceRandomScope over it
// lives on this thread, a random op on that device still reserves its counters from the
// global generator (first counter o), but its kernel draws element i from
//     Philox(seed, base[0] + (o - origin) + i),
// origin being the generator's offset when the scope began and base[0] read when the kernel
// runs. So:
// - with base[0] written as the generator's offset just before the step (write()), the draws
//   are exactly the plain ones (Philox(seed, o + i));
// - a graph captured inside the scope bakes only o - origin (the draw's place within the
//   step) into its kernels; before each replay the caller writes the generator's current
//   offset into base[0] and afterwards advances the generator by the step's draws, so each
//   replay draws what an eager step at that offset would.
// The seed is still a kernel argument: manual_seed() after a capture needs a new capture.
#pragma once
#include <cstdint>

#include "engine/core/tensor.h"

namespace msq {

class DeviceRandomBase {
 public:
  explicit DeviceRandomBase(Device device);
  const Tensor& tensor() const { return base_; }
  Device device() const { return base_.device(); }
  // base[0] = value, from the host: queued with the kernels (Backend::write_from_host), never
  // inside a capture (the value would be baked into the graph).
  void write(uint64_t value);

 private:
  Tensor base_;  // int64 [1]
};

class DeviceRandomScope {
 public:
  // Random ops on base's device draw relative to it until the scope ends (scopes nest: the
  // innermost one counts).
  explicit DeviceRandomScope(const DeviceRandomBase& base);
  ~DeviceRandomScope();
  DeviceRandomScope(const DeviceRandomScope&) = delete;
  DeviceRandomScope& operator=(const DeviceRandomScope&) = delete;

  const DeviceRandomBase& base() const { return base_; }
  uint64_t origin() const { return origin_; }

 private:
  const DeviceRandomBase& base_;
  uint64_t origin_;
  const DeviceRandomScope* outer_;
};

// The innermost scope of this thread, or null.
const DeviceRandomScope* active_device_random();

}  // namespace msq
