// The CUDA caching allocator's bookkeeping (kernels/cuda/block_cache.h), on the CPU: reuse
// by rounded size, and the private pools of graph captures (no raw allocation during a
// capture, blocks freed in a capture never handed outside the graph, release of a pool).
#include <doctest/doctest.h>

#include <cstdint>
#include <thread>

#include "kernels/cuda/block_cache.h"

using msq::cuda::BlockCache;
using msq::cuda::caching_round_size;
using msq::cuda::PoolId;

namespace {

// Distinct fake addresses standing in for raw allocations (never dereferenced).
void* fake(uintptr_t i) { return reinterpret_cast<void*>(i * 4096); }

}  // namespace

TEST_CASE("block cache: rounded sizes, reuse after free, stats") {
  CHECK(caching_round_size(0) == 512);
  CHECK(caching_round_size(513) == 1024);
  CHECK(caching_round_size((size_t(1) << 20) + 1) == (size_t(2) << 20));

  BlockCache c;
  CHECK(c.take(512) == nullptr);  // empty: the caller allocates raw memory
  c.add_live(fake(1), 512);
  CHECK(c.stats().allocated == 512);
  CHECK(c.stats().reserved == 512);
  CHECK(c.give(fake(1)));
  CHECK_FALSE(c.give(fake(1)));  // already returned
  CHECK_FALSE(c.give(fake(9)));  // unknown
  CHECK(c.stats().allocated == 0);
  CHECK(c.take(1024) == nullptr);  // another size
  CHECK(c.take(512) == fake(1));
  CHECK(c.stats().peak_allocated == 512);
  c.give(fake(1));
  auto drained = c.drain_shared();
  REQUIRE(drained.size() == 1);
  CHECK(drained[0].first == fake(1));
  CHECK(c.stats().reserved == 0);
  CHECK(c.take(512) == nullptr);
}

TEST_CASE("block cache: a capture only reuses cached blocks and keeps what it frees") {
  BlockCache c;
  // The eager warm-up step: two blocks of 512, one of 1024, all freed.
  c.add_live(fake(1), 512);
  c.add_live(fake(2), 512);
  c.add_live(fake(3), 1024);
  c.add_live(fake(4), 2048);  // a weight: live across the capture
  c.give(fake(1));
  c.give(fake(2));
  c.give(fake(3));

  const PoolId pool = c.begin_capture();
  REQUIRE(pool != 0);
  CHECK(c.capturing_here());
  CHECK(c.begin_capture() == 0);  // one capture at a time
  void* a = c.take(512);
  void* b = c.take(512);
  CHECK(a != nullptr);
  CHECK(b != nullptr);
  CHECK(c.take(512) == nullptr);  // the capture must fail: no raw allocation now
  c.give(a);                      // freed in the capture: the graph's, reusable in it
  CHECK(c.take(512) == a);
  c.give(fake(4));  // a block from before the capture, freed in it, joins the graph too
  c.end_capture();
  CHECK_FALSE(c.capturing());

  // After the capture, eager code never gets the graph's blocks.
  c.give(a);
  c.give(b);
  CHECK(c.take(512) == nullptr);
  CHECK(c.take(2048) == nullptr);
  CHECK(c.take(1024) == fake(3));  // never touched by the capture: still shared
  c.give(fake(3));
  CHECK(c.pool_bytes(pool) == 512 + 512 + 2048);
  CHECK(c.drain_shared().size() == 1);  // only the shared 1024 block
  CHECK(c.stats().reserved == 512 + 512 + 2048);

  // The graph is destroyed: its blocks return to the shared cache.
  c.release_pool(pool);
  CHECK(c.pool_bytes(pool) == 0);
  CHECK(c.take(2048) == fake(4));
  CHECK(c.take(512) != nullptr);
  CHECK(c.take(512) != nullptr);
  CHECK(c.take(512) == nullptr);
}

TEST_CASE("block cache: a re-capture into the same pool reuses it; other pools are kept") {
  BlockCache c;
  c.add_live(fake(1), 512);
  c.add_live(fake(2), 512);
  c.give(fake(1));
  c.give(fake(2));

  const PoolId p1 = c.begin_capture();
  void* x = c.take(512);
  c.end_capture();
  c.give(x);  // after the capture: back to p1

  const PoolId p2 = c.begin_capture();
  CHECK(p2 != p1);
  void* y = c.take(512);
  CHECK(y != x);                  // p1's block is not p2's
  CHECK(c.take(512) == nullptr);  // p1's free block stays with p1
  c.give(y);
  c.end_capture();

  CHECK(c.begin_capture(p1) == p1);  // re-capture of the first graph
  CHECK(c.take(512) == x);
  c.give(x);
  c.end_capture();

  // A live block of a released pool goes to the shared cache when it is freed.
  c.begin_capture(p2);
  void* z = c.take(512);
  CHECK(z == y);
  c.end_capture();
  c.release_pool(p2);
  c.give(z);
  CHECK(c.take(512) == z);
}

TEST_CASE("block cache: other threads keep the shared cache during a capture") {
  BlockCache c;
  c.add_live(fake(1), 512);
  c.add_live(fake(2), 512);
  c.give(fake(1));
  c.give(fake(2));
  const PoolId pool = c.begin_capture();
  REQUIRE(pool != 0);
  void* other = nullptr;
  bool other_capturing = true;
  std::thread t([&] {
    other_capturing = c.capturing_here();
    other = c.take(512);
    c.give(other);  // freed by another thread: stays shared
  });
  t.join();
  CHECK_FALSE(other_capturing);
  REQUIRE(other != nullptr);
  c.end_capture();
  c.release_pool(pool);
  CHECK(c.pool_bytes(pool) == 0);
  CHECK(c.take(512) != nullptr);
  CHECK(c.take(512) != nullptr);
}
