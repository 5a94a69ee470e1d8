// The CPU allocator: alignment, statistics, and the cache of large blocks.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include "engine/core/allocator.h"
#include "engine/msq.h"

TEST_CASE("cpu allocator: aligned blocks, a cache for large ones, statistics") {
  msq::Allocator& a = msq::cpu_allocator();
  a.empty_cache();
  const msq::AllocatorStats before = a.stats();

  void* small = a.allocate(100);
  CHECK(reinterpret_cast<uintptr_t>(small) % 64 == 0);
  std::memset(small, 1, 100);
  a.deallocate(small, 100);

  const size_t big = (size_t(3) << 20) + 5;  // 3 MiB and a bit: cached after free
  void* p = a.allocate(big);
  CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
  std::memset(p, 2, big);
  CHECK(a.stats().allocated >= before.allocated + big);
  a.deallocate(p, big);
  CHECK(a.stats().allocated == before.allocated);
  CHECK(a.stats().reserved >= before.reserved + big);  // kept in the cache

  void* q = a.allocate(big + 100);  // the same rounded size: the cached block comes back
  CHECK(q == p);
  void* r = a.allocate(big);      // the cache is empty now: a fresh block
  CHECK(r != q);
  a.deallocate(q, big + 100);
  a.deallocate(r, big);
  CHECK(a.stats().peak_allocated >= before.allocated + 2 * big);

  a.empty_cache();
  CHECK(a.stats().reserved == before.reserved);
  CHECK(a.stats().allocated == before.allocated);
}

TEST_CASE("cpu allocator: tensors reuse cached storage across steps") {
  msq::Allocator& a = msq::cpu_allocator();
  const void* first = nullptr;
  for (int step = 0; step < 3; ++step) {
    msq::Tensor t = msq::zeros({1024, 1024});  // 4 MiB
    if (step == 0) first = t.raw_data();
    else CHECK(t.raw_data() == first);
  }
  a.empty_cache();
}
