// Warp-shuffle and shared-memory reductions within one thread block, used by the
// reductions and softmax. Block sizes are multiples of 32 and at most 1024.
#pragma once
#include <cstdint>
#include <type_traits>

namespace msq::cuda {

constexpr unsigned kFullMask = 0xffffffffu;

// __shfl_down_sync for any arithmetic type up to 8 bytes (small ones travel as int).
template <class A>
__device__ __forceinline__ A shfl_down(A v, int delta) {
  if constexpr (sizeof(A) < sizeof(int)) {
    return static_cast<A>(__shfl_down_sync(kFullMask, static_cast<int>(v), delta));
  } else if constexpr (std::is_same_v<A, int64_t>) {
    return static_cast<int64_t>(__shfl_down_sync(kFullMask, static_cast<long long>(v), delta));
  } else {
    return __shfl_down_sync(kFullMask, v, delta);
  }
}

// Combines v across the warp; lane 0 holds the result.
template <class A, class Combine>
__device__ __forceinline__ A warp_reduce(A v, Combine combine) {
  for (int delta = 16; delta > 0; delta /= 2) v = combine(v, shfl_down(v, delta));
  return v;
}

// Combines v across the block; every thread gets the result. `scratch` holds 32 values.
// Every thread of the block must call it (it synchronises).
template <class A, class Combine>
__device__ A block_reduce(A v, Combine combine, A* scratch) {
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int warps = (blockDim.x + 31) / 32;
  v = warp_reduce(v, combine);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    // Lanes >= warps hold no partial result; they are never combined into a valid lane,
    // because the lanes a shuffle step reads from an invalid lane are all invalid too.
    A w = scratch[lane < warps ? lane : 0];
    for (int delta = 16; delta > 0; delta /= 2) {
      A other = shfl_down(w, delta);
      if (lane + delta < warps) w = combine(w, other);
    }
    if (lane == 0) scratch[0] = w;
  }
  __syncthreads();
  return scratch[0];
}

}  // namespace msq::cuda
