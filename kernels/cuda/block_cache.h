// The caching allocator's bookkeeping, in plain C++ (no CUDA types, so the CPU build tests
// it: tests/engine/block_cache_test.cpp): free lists keyed by rounded size, the blocks
// handed out, the stats, and the private pools of CUDA graphs being captured.
//
// Graph capture (kernels/cuda/graph_pool.h drives it): a captured graph replays its kernels
// on the same addresses every time, so every block the capture touches belongs to the
// graph from then on. While a thread captures into pool P:
//   - its requests are served from P's free blocks, then from the shared free lists (the
//     block joins P); when neither has one, `take` returns nullptr and the caller must fail
//     the capture (a raw cudaMalloc/cudaFree would break it): the eager warm-up step before
//     the capture is what fills the cache;
//   - a shared block it frees joins P's free list, never the shared one: a later replay may
//     still write it, so nothing outside the graph may be handed it (another graph's block
//     stays in that graph's pool).
// After the capture, P's blocks freed by anyone return to P (only a later capture into P
// reuses them). `release_pool(P)`, once the graph is destroyed and the device is idle, moves
// P's free blocks to the shared lists and makes its live ones return there when freed.
// Other threads keep the shared lists while a capture runs (the loader may allocate).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/core/allocator.h"

namespace msq::cuda {

inline size_t caching_round_size(size_t bytes) {
  constexpr size_t kSmallRound = 512;
  constexpr size_t kLargeAbove = size_t(1) << 20;
  constexpr size_t kLargeRound = size_t(2) << 20;
  if (bytes == 0) bytes = 1;  // a non-null pointer even for empty tensors
  const size_t unit = bytes < kLargeAbove ? kSmallRound : kLargeRound;
  return (bytes + unit - 1) / unit * unit;
}

// 0 is the shared cache; graph pools are numbered from 1.
using PoolId = uint64_t;

// Not thread-safe: the owner (CachingAllocator) holds its mutex around every call.
class BlockCache {
 public:
  // A cached block of exactly `size` (a rounded size) for the calling thread, or nullptr:
  // then the caller allocates raw memory and calls `add_live`, unless `capturing_here()`.
  void* take(size_t size) {
    const PoolId pool = capturing_here() ? capture_pool_ : 0;
    void* ptr = pop(pool, size);
    if (!ptr && pool != 0) ptr = pop(0, size);
    if (!ptr) return nullptr;
    Block& b = blocks_.at(ptr);
    b.pool = pool;  // a shared block taken by a capture joins the graph's pool
    b.live = true;
    count_allocated(size);
    return ptr;
  }

  // A block fresh from the raw allocation call, handed out now.
  void add_live(void* ptr, size_t size) {
    blocks_[ptr] = Block{size, 0, true};
    stats_.reserved += size;
    count_allocated(size);
  }

  // Returns a handed-out block to its pool's free list (see the top); false for a pointer
  // this cache did not hand out (or one already returned).
  bool give(void* ptr) {
    auto it = blocks_.find(ptr);
    if (it == blocks_.end() || !it->second.live) return false;
    Block& b = it->second;
    // A shared block freed by the capturing thread joins the graph (its kernels may write
    // it); another graph's block stays in that graph's pool.
    if (capturing_here() && b.pool == 0) b.pool = capture_pool_;
    b.live = false;
    stats_.allocated -= b.size;
    free_[{b.pool, b.size}].push_back(ptr);
    return true;
  }

  // Removes the shared free blocks from the cache and returns them with their sizes, for the
  // caller's raw free. Graph pools keep theirs.
  std::vector<std::pair<void*, size_t>> drain_shared() {
    std::vector<std::pair<void*, size_t>> out;
    for (auto it = free_.begin(); it != free_.end();) {
      if (it->first.first != 0) {
        ++it;
        continue;
      }
      for (void* p : it->second) {
        out.emplace_back(p, it->first.second);
        blocks_.erase(p);
        stats_.reserved -= it->first.second;
      }
      it = free_.erase(it);
    }
    return out;
  }

  // Starts a capture on the calling thread into a new pool, or into `reuse` (a pool not yet
  // released, for a re-capture). Returns the pool, or 0 when a capture is already running.
  PoolId begin_capture(PoolId reuse = 0) {
    if (capture_pool_ != 0) return 0;
    capture_pool_ = reuse != 0 ? reuse : next_pool_++;
    capture_thread_ = std::this_thread::get_id();
    return capture_pool_;
  }

  // Ends the running capture (succeeded or not); the pool stays until `release_pool`.
  void end_capture() { capture_pool_ = 0; }

  bool capturing() const { return capture_pool_ != 0; }
  bool capturing_here() const {
    return capture_pool_ != 0 && capture_thread_ == std::this_thread::get_id();
  }

  // The graph of `pool` is gone and the device idle: its blocks go back to the shared cache.
  void release_pool(PoolId pool) {
    if (pool == 0 || pool == capture_pool_) return;
    for (auto& [ptr, b] : blocks_) {
      if (b.pool != pool) continue;
      b.pool = 0;
      if (!b.live) {
        auto it = free_.find({pool, b.size});
        auto& from = it->second;
        for (size_t i = 0; i < from.size(); ++i) {
          if (from[i] == ptr) {
            from[i] = from.back();
            from.pop_back();
            break;
          }
        }
        if (from.empty()) free_.erase(it);
        free_[{0, b.size}].push_back(ptr);
      }
    }
  }

  // Bytes of `pool` (free or live).
  size_t pool_bytes(PoolId pool) const {
    size_t n = 0;
    for (const auto& [ptr, b] : blocks_)
      if (b.pool == pool) n += b.size;
    return n;
  }

  AllocatorStats& stats() { return stats_; }
  const AllocatorStats& stats() const { return stats_; }

 private:
  struct Block {
    size_t size = 0;
    PoolId pool = 0;
    bool live = false;
  };

  void* pop(PoolId pool, size_t size) {
    auto it = free_.find({pool, size});
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    if (it->second.empty()) free_.erase(it);
    return p;
  }

  void count_allocated(size_t size) {
    stats_.allocated += size;
    if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
  }

  std::unordered_map<void*, Block> blocks_;                     // every block held, by address
  std::map<std::pair<PoolId, size_t>, std::vector<void*>> free_;  // (pool, size) -> free blocks
  AllocatorStats stats_;
  PoolId capture_pool_ = 0;  // the pool of the running capture, 0 when none
  std::thread::id capture_thread_;
  PoolId next_pool_ = 1;
};

}  // namespace msq::cuda
