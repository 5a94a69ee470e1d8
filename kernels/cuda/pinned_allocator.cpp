// Page-locked host memory (cudaHostAlloc) for CPU tensors that go to the GPU: a copy from
// pageable memory is staged through a driver buffer, one from pinned memory is a direct DMA.
// cudaHostAlloc is slow (it maps the pages for the device), so freed blocks are cached by
// rounded size, as the device allocator does. Without a device it is the CPU allocator.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/core/allocator.h"
#include "engine/core/device.h"
#include "engine/core/error.h"

namespace msq {

namespace {

constexpr size_t kSmallRound = 512;
constexpr size_t kLargeAbove = size_t(1) << 20;
constexpr size_t kLargeRound = size_t(2) << 20;

size_t round_size(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const size_t unit = bytes < kLargeAbove ? kSmallRound : kLargeRound;
  return (bytes + unit - 1) / unit * unit;
}

class PinnedHostAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    const size_t size = round_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* ptr = nullptr;
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      ptr = it->second.back();
      it->second.pop_back();
    } else {
      cudaError_t err = cudaHostAlloc(&ptr, size, cudaHostAllocDefault);
      if (err != cudaSuccess) {
        cudaGetLastError();
        release_cached();
        err = cudaHostAlloc(&ptr, size, cudaHostAllocDefault);
      }
      if (err != cudaSuccess) {
        cudaGetLastError();
        fail("pinned allocator", "cannot allocate ", bytes, " bytes of page-locked memory: ",
             cudaGetErrorString(err));
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
  void release_cached() {  // under mutex_
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) {
        cudaFreeHost(p);  // synchronises with the device: no copy still reads the block
        stats_.reserved -= size;
      }
    }
    free_.clear();
    cudaGetLastError();
  }

  mutable std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  std::unordered_map<void*, size_t> live_;
  AllocatorStats stats_;
};

}  // namespace

// Chosen once: page-locked memory when a device answers, the CPU allocator otherwise (so a
// CUDA build without a GPU behaves as a CPU build). Never destroyed (see allocator.cu).
Allocator& pinned_host_allocator() {
  static Allocator* allocator = cuda_available() ? static_cast<Allocator*>(new PinnedHostAllocator())
                                                 : &cpu_allocator();
  return *allocator;
}

}  // namespace msq
