// Scratch device memory for one kernel call (workspaces, column buffers, partial sums),
// taken from and returned to msq's caching allocator. Freeing right after queueing the
// kernels is safe: all work runs on one stream, so whoever gets the block next runs later.
#pragma once
#include <cstddef>

#include "kernels/backend.h"

namespace msq::cuda {

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes_ > 0) ptr_ = backend(Device::cuda()).allocator().allocate(bytes_);
  }
  ~DeviceBuffer() {
    if (ptr_) backend(Device::cuda()).allocator().deallocate(ptr_, bytes_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return ptr_; }
  template <class T> T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
  void* ptr_ = nullptr;
};

}  // namespace msq::cuda
