// A caching allocator over a raw CUDA allocation call, shared by device memory (allocator.cu:
// cudaMalloc) and page-locked host memory (pinned_allocator.cpp: cudaHostAlloc). Freed
// blocks go to a free list keyed by their rounded size and are handed out again for a
// request of the same rounded size, so a training loop that allocates the same shapes every
// step stops calling the (slow, synchronising) raw call after the first step. All kernels
// run on one stream, in issue order, so a block freed by the host can be reused at once.
//
// Sizes round up to 512 bytes below 1 MiB and to 2 MiB above, which bounds the waste and
// keeps the number of distinct free lists small. Stats count rounded sizes (as PyTorch).
//
// `Memory` supplies: static cudaError_t raw_allocate(void** ptr, size_t bytes);
// static void raw_free(void* ptr) (may synchronise; errors ignored); static constexpr
// const char* op (the error prefix) and kind (what is allocated, for the message).
#pragma once
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/core/allocator.h"
#include "engine/core/error.h"

namespace msq::cuda {

inline size_t caching_round_size(size_t bytes) {
  constexpr size_t kSmallRound = 512;
  constexpr size_t kLargeAbove = size_t(1) << 20;
  constexpr size_t kLargeRound = size_t(2) << 20;
  if (bytes == 0) bytes = 1;  // a non-null pointer even for empty tensors
  const size_t unit = bytes < kLargeAbove ? kSmallRound : kLargeRound;
  return (bytes + unit - 1) / unit * unit;
}

template <class Memory>
class CachingAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    const size_t size = caching_round_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* ptr = nullptr;
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      ptr = it->second.back();
      it->second.pop_back();
    } else {
      cudaError_t err = Memory::raw_allocate(&ptr, size);
      if (err != cudaSuccess) {
        cudaGetLastError();
        release_cached();  // give the cache back and try once more
        err = Memory::raw_allocate(&ptr, size);
      }
      if (err != cudaSuccess) {
        cudaGetLastError();
        fail(Memory::op, "cannot allocate ", bytes, " bytes of ", Memory::kind, ": ",
             cudaGetErrorString(err), " (allocated ", stats_.allocated, " bytes, reserved ",
             stats_.reserved, ")");
      }
      stats_.reserved += size;
    }
    live_[ptr] = size;
    stats_.allocated += size;
    if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
    return ptr;
  }

  // Never throws (called from Storage's destructor); unknown pointers are ignored.
  void deallocate(void* ptr, size_t) override {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;
    const size_t size = it->second;
    live_.erase(it);
    stats_.allocated -= size;
    free_[size].push_back(ptr);
  }

  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void reset_peak() override {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_allocated = stats_.allocated;
  }

  void empty_cache() override {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached();
  }

 private:
  // Frees every cached block (the raw free waits for the device, so nothing still uses
  // them). Under mutex_.
  void release_cached() {
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) {
        Memory::raw_free(p);
        stats_.reserved -= size;
      }
    }
    free_.clear();
    cudaGetLastError();
  }

  mutable std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;  // rounded size -> cached blocks
  std::unordered_map<void*, size_t> live_;     // handed-out block -> rounded size
  AllocatorStats stats_;
};

}  // namespace msq::cuda
