// Page-locked host memory (cudaHostAlloc) for CPU tensors that go to the GPU: a copy from
// pageable memory is staged through a driver buffer, one from pinned memory is a direct DMA.
// cudaHostAlloc is slow (it maps the pages for the device), so freed blocks are cached by
// rounded size by the same caching allocator as device memory (caching_allocator.h).
// Without a device it is the CPU allocator.
#include <cuda_runtime.h>

#include "engine/core/allocator.h"
#include "engine/core/device.h"
#include "kernels/cuda/caching_allocator.h"

namespace msq {

namespace {

struct PinnedHostMemory {
  static constexpr const char* op = "pinned allocator";
  static constexpr const char* kind = "page-locked host memory";
  static cudaError_t raw_allocate(void** ptr, size_t bytes) {
    return cudaHostAlloc(ptr, bytes, cudaHostAllocDefault);
  }
  // Synchronises with the device: no copy still reads the block.
  static void raw_free(void* ptr) { cudaFreeHost(ptr); }
};

}  // namespace

// Chosen once: page-locked memory when a device answers, the CPU allocator otherwise (so a
// CUDA build without a GPU behaves as a CPU build). Never destroyed (see allocator.cu).
Allocator& pinned_host_allocator() {
  static Allocator* allocator = cuda_available()
                                    ? static_cast<Allocator*>(new cuda::CachingAllocator<PinnedHostMemory>())
                                    : &cpu_allocator();
  return *allocator;
}

}  // namespace msq
