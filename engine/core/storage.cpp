#include "engine/core/storage.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "engine/core/error.h"
#include "kernels/backend.h"

namespace msq {

namespace {

// Host memory, 64-byte aligned (one cache line, one AVX-512 vector). Blocks of 1 MiB and
// more are kept after free, by their size rounded up to 64 KiB (2 MiB from 32 MiB on), and
// handed out again for the same rounded size: a network allocates the same sizes every step, and fresh pages from
// the kernel cost a page fault per 4 KiB (about 8 % of an EfficientNet-B3 forward pass
// before this cache). At most kCacheLimit bytes are kept; beyond that a freed block goes
// back to the system. empty_cache() releases every cached block.
class CpuAllocator final : public Allocator {
 public:
  static constexpr size_t kCachedFrom = size_t(1) << 20;
  static constexpr size_t kCacheGranule = size_t(64) << 10;
  static constexpr size_t kCacheLimit = size_t(1) << 30;
  static constexpr size_t kHugePage = size_t(2) << 20;
  // From 32 MiB: at 4 MiB the study CNN's train step spent ~1 s more in the kernel per 12
  // steps (measured with blocks allocated afresh each time).
  static constexpr size_t kHugeBlock = size_t(32) << 20;

  void* allocate(size_t bytes) override {
    const size_t rounded = rounded_size(bytes);
    if (rounded >= kCachedFrom) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(rounded);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= rounded;
        note_allocated(rounded);
        return p;
      }
    }
    // Blocks of kHugeBlock and more are aligned to 2 MiB and advised onto transparent huge
    // pages: their first touch then takes one fault per 2 MiB instead of one per 4 KiB.
    const size_t align = rounded >= kHugeBlock ? kHugePage : 64;  // rounded is a multiple
    void* p = std::aligned_alloc(align, rounded);
    if (!p) {
      empty_cache();
      p = std::aligned_alloc(align, rounded);
    }
    if (!p) fail("cpu allocator", "out of memory allocating ", bytes, " bytes");
#ifdef MADV_HUGEPAGE
    if (align == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure changes nothing
#endif
    std::lock_guard<std::mutex> lock(mutex_);
    reserved_ += rounded;
    note_allocated(rounded);
    return p;
  }

  void deallocate(void* ptr, size_t bytes) override {
    if (!ptr) return;
    const size_t rounded = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    allocated_ -= rounded;
    if (rounded >= kCachedFrom && cached_ + rounded <= kCacheLimit) {
      free_[rounded].push_back(ptr);
      cached_ += rounded;
      return;
    }
    reserved_ -= rounded;
    std::free(ptr);
  }

  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return {allocated_, peak_, reserved_};
  }
  void reset_peak() override {
    std::lock_guard<std::mutex> lock(mutex_);
    peak_ = allocated_;
  }
  void empty_cache() override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) std::free(p);
      reserved_ -= size * blocks.size();
    }
    free_.clear();
    cached_ = 0;
  }

 private:
  static size_t rounded_size(size_t bytes) {
    if (bytes == 0) return 64;
    if (bytes >= kHugeBlock) return (bytes + kHugePage - 1) / kHugePage * kHugePage;
    if (bytes >= kCachedFrom) return (bytes + kCacheGranule - 1) / kCacheGranule * kCacheGranule;
    return (bytes + 63) / 64 * 64;
  }
  void note_allocated(size_t rounded) {  // under mutex_
    allocated_ += rounded;
    if (allocated_ > peak_) peak_ = allocated_;
  }

  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;  // rounded size -> cached blocks
  size_t cached_ = 0, allocated_ = 0, peak_ = 0, reserved_ = 0;
};

}  // namespace

Allocator& cpu_allocator() {
  // Never destroyed: tensors in static storage may be freed after main returns.
  static CpuAllocator* allocator = new CpuAllocator;
  return *allocator;
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  allocator_ = &backend(device).allocator();
  data_ = allocator_->allocate(bytes);
}

Storage::Storage(size_t bytes, Device device, Allocator& allocator)
    : bytes_(bytes), device_(device), allocator_(&allocator) {
  data_ = allocator_->allocate(bytes);
}

Storage::~Storage() {
  if (data_) allocator_->deallocate(data_, bytes_);
}

}  // namespace msq
