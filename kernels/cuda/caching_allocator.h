// A caching allocator over a raw CUDA allocation call, shared by device memory (allocator.cu:
// cudaMalloc) and page-locked host memory (pinned_allocator.cpp: cudaHostAlloc). Freed
// blocks go to a free list keyed by their rounded size and are handed out again for a
// request of the same rounded size, so a training loop that allocates the same shapes every
// step stops calling the (slow, synchronising) raw call after the first step. Eager kernels
// run on one stream, in issue order, so a block freed by the host can be reused at once.
//
// Sizes round up to 512 bytes below 1 MiB and to 2 MiB above, which bounds the waste and
// keeps the number of distinct free lists small. Stats count rounded sizes (as PyTorch).
// The bookkeeping, graph-capture pools included, is block_cache.h (plain C++); during a
// capture on the calling thread this class never calls the raw allocation or free: a request
// the cache cannot serve throws, which fails the capture (see graph_pool.h).
//
// `Memory` supplies: static cudaError_t raw_allocate(void** ptr, size_t bytes);
// static void raw_free(void* ptr) (may synchronise; errors ignored); static constexpr
// const char* op (the error prefix) and kind (what is allocated, for the message).
#pragma once
#include <cuda_runtime.h>

#include <mutex>

#include "engine/core/allocator.h"
#include "engine/core/error.h"
#include "kernels/cuda/block_cache.h"

namespace msq::cuda {

template <class Memory>
class CachingAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    const size_t size = caching_round_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    if (void* ptr = cache_.take(size)) return ptr;
    if (cache_.capturing_here()) {
      fail(Memory::op, "graph capture needs ", size, " new bytes of ", Memory::kind,
           " that the cache does not hold (a raw allocation would break the capture; the "
           "eager warm-up step before it did not leave a block of that size)");
    }
    void* ptr = nullptr;
    cudaError_t err = Memory::raw_allocate(&ptr, size);
    if (err != cudaSuccess) {
      cudaGetLastError();
      release_cached();  // give the cache back and try once more
      err = Memory::raw_allocate(&ptr, size);
    }
    if (err != cudaSuccess) {
      cudaGetLastError();
      fail(Memory::op, "cannot allocate ", bytes, " bytes of ", Memory::kind, ": ",
           cudaGetErrorString(err), " (allocated ", cache_.stats().allocated,
           " bytes, reserved ", cache_.stats().reserved, ")");
    }
    cache_.add_live(ptr, size);
    return ptr;
  }

  // Never throws (called from Storage's destructor); unknown pointers are ignored.
  void deallocate(void* ptr, size_t) override {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.give(ptr);
  }

  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return cache_.stats();
  }

  void reset_peak() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.stats().peak_allocated = cache_.stats().allocated;
  }

  // Does nothing while a capture runs (a raw free would synchronise and break it).
  void empty_cache() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!cache_.capturing()) release_cached();
  }

  // Graph capture (block_cache.h): the pool of a new capture on this thread, 0 when one runs.
  PoolId begin_capture(PoolId reuse = 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    return cache_.begin_capture(reuse);
  }
  void end_capture() {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.end_capture();
  }
  // Only after the pool's graph is destroyed and the device has finished its last replay.
  void release_pool(PoolId pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.release_pool(pool);
  }

 private:
  // Frees the shared cached blocks (the raw free waits for the device, so nothing still uses
  // them); graph pools keep theirs. Under mutex_.
  void release_cached() {
    if (cache_.capturing()) return;
    for (auto& [ptr, size] : cache_.drain_shared()) Memory::raw_free(ptr);
    cudaGetLastError();
  }

  mutable std::mutex mutex_;
  BlockCache cache_;
};

}  // namespace msq::cuda
