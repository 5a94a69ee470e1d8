// Device memory. Each device type has one Allocator; the CPU one is built in, the CUDA one
// (a caching allocator over plain cudaMalloc) is registered by the CUDA backend.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/core/device.h"

namespace msq {

struct AllocatorStats {
  size_t allocated = 0;       // bytes handed out and not yet returned
  size_t peak_allocated = 0;  // high-water mark of `allocated` since the last reset
  size_t reserved = 0;        // bytes held from the device, cached blocks included
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  virtual AllocatorStats stats() const { return {}; }
  virtual void reset_peak() {}
  // Returns cached, unused blocks to the device.
  virtual void empty_cache() {}
};

Allocator& cpu_allocator();
// Page-locked host memory for CPU tensors bound for the GPU (loader batches): copies from it
// need no staging. Blocks are cached by size (cudaHostAlloc is slow). Without CUDA, or
// without a device, it is the CPU allocator.
Allocator& pinned_host_allocator();

}  // namespace msq
