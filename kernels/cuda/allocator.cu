// The device allocator: the caching allocator (caching_allocator.h) over plain cudaMalloc,
// and its graph-capture pools (graph_pool.h).
#include <cuda_runtime.h>

#include "engine/core/error.h"
#include "kernels/cuda/caching_allocator.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/graph_pool.h"

namespace msq {

namespace {

struct DeviceMemory {
  static constexpr const char* op = "cuda allocator";
  static constexpr const char* kind = "device memory";
  static cudaError_t raw_allocate(void** ptr, size_t bytes) { return cudaMalloc(ptr, bytes); }
  // Errors ignored: at worst the memory stays reserved by the driver.
  static void raw_free(void* ptr) { cudaFree(ptr); }
};

// Created on first use and never destroyed: tensors that outlive main() (statics) still
// return their blocks to a valid object, and no cudaFree runs after the runtime unloads.
cuda::CachingAllocator<DeviceMemory>& device_allocator() {
  static auto* allocator = new cuda::CachingAllocator<DeviceMemory>();
  return *allocator;
}

}  // namespace

Allocator& CudaBackend::allocator() { return device_allocator(); }

namespace cuda {

PoolId begin_graph_pool(PoolId reuse) {
  const PoolId pool = device_allocator().begin_capture(reuse);
  if (pool == 0) fail("cuda graph", "a capture is already running");
  return pool;
}

void end_graph_pool() { device_allocator().end_capture(); }

void release_graph_pool(PoolId pool) { device_allocator().release_pool(pool); }

}  // namespace cuda

}  // namespace msq
