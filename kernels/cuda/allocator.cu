// The device allocator: the caching allocator (caching_allocator.h) over plain cudaMalloc.
#include <cuda_runtime.h>

#include "kernels/cuda/caching_allocator.h"
#include "kernels/cuda/cuda_backend.h"

namespace msq {

namespace {

struct DeviceMemory {
  static constexpr const char* op = "cuda allocator";
  static constexpr const char* kind = "device memory";
  static cudaError_t raw_allocate(void** ptr, size_t bytes) { return cudaMalloc(ptr, bytes); }
  // Errors ignored: at worst the memory stays reserved by the driver.
  static void raw_free(void* ptr) { cudaFree(ptr); }
};

}  // namespace

// Created on first use and never destroyed: tensors that outlive main() (statics) still
// return their blocks to a valid object, and no cudaFree runs after the runtime unloads.
Allocator& CudaBackend::allocator() {
  static auto* allocator = new cuda::CachingAllocator<DeviceMemory>();
  return *allocator;
}

}  // namespace msq
