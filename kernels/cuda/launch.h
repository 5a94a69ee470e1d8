// Launch geometry shared by the CUDA kernels: grid-stride loops over `n` items use at most
// a few waves of blocks over the device's multiprocessors.
#pragma once
#include <cstdint>

namespace msq::cuda {

constexpr int kThreads = 256;

// Multiprocessors of the current device (queried once).
int multiprocessor_count();

// Blocks for a grid-stride loop over n items with `threads` threads per block.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  int64_t blocks = (n + threads - 1) / threads;
  int64_t cap = static_cast<int64_t>(multiprocessor_count()) * 32;
  if (blocks > cap) blocks = cap;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks);
}

// The smallest power of two >= n, clamped to [lo, hi]: a block size for per-row work.
inline int threads_for_row(int64_t n, int lo = 32, int hi = 256) {
  int t = lo;
  while (t < hi && t < n) t *= 2;
  return t;
}

}  // namespace msq::cuda
