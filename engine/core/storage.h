// A block of device memory shared by every tensor that views it.
#pragma once
#include <cstddef>
#include <memory>

#include "engine/core/allocator.h"
#include "engine/core/device.h"

namespace msq {

class Storage {
 public:
  Storage(size_t bytes, Device device);  // uninitialised memory
  // From a given allocator (e.g. pinned host memory for a CPU tensor).
  Storage(size_t bytes, Device device, Allocator& allocator);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
  Allocator* allocator_ = nullptr;
};

}  // namespace msq
