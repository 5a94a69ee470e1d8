// The thread layout of the small-circuit kernels: a block holds `spb` samples of `tps`
// threads each (tps a power of two: the pairs of a gate, at most 512; blocks of at least 64
// threads), and each sample a workspace (its state(s), slot values, matrices, accumulators)
// in dynamic shared memory, or in a global buffer when that does not fit.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/common/sv_program.h"
#include "kernels/cuda/block_reduce.cuh"

namespace msq::cuda {

inline constexpr int kMaxThreadsPerSample = 512;  // also the largest block

struct SampleLayout {
  int tps = 1;              // threads per sample
  int spb = 1;              // samples per block
  size_t sample_bytes = 0;  // workspace per sample
  bool shared = true;       // workspace in dynamic shared memory (else `global`)
  int64_t blocks = 1;
  unsigned char* global = nullptr;  // [blocks][spb][sample_bytes] when !shared
  MSQ_HD size_t block_bytes() const { return size_t(spb) * sample_bytes; }
};

// Bytes rounded up to 16 (every workspace array starts 16-byte aligned).
MSQ_HD size_t align16(size_t b) { return (b + 15) & ~size_t(15); }

// Threads per sample and samples per block for n qubits.
inline void choose_threads(int n, SampleLayout* l) {
  l->tps = 1;
  while (l->tps < kMaxThreadsPerSample && 2 * l->tps <= (1 << (n - 1))) l->tps *= 2;
  const int block = l->tps < 64 ? 64 : l->tps;
  l->spb = block / l->tps;
}

// Carves consecutive arrays out of a sample's workspace.
struct WorkspaceCarver {
  unsigned char* at;
  template <class T>
  __device__ T* take(size_t count) {
    T* p = reinterpret_cast<T*>(at);
    at += align16(count * sizeof(T));
    return p;
  }
};

// The workspace of this thread's sample.
__device__ inline unsigned char* sample_workspace(const SampleLayout& l, unsigned char* smem) {
  const int local = threadIdx.x / l.tps;
  unsigned char* base = l.shared ? smem : l.global + size_t(blockIdx.x) * l.block_bytes();
  return base + size_t(local) * l.sample_bytes;
}

// *dst += the sum of v over the sample's threads. Every thread of the block calls it (the
// shuffles are warp-wide). Up to 32 threads per sample: a segmented shuffle and one writer;
// more: per-warp sums added atomically (their order may vary from run to run).
template <class R>
__device__ inline void sample_sum_into(R v, R* dst, int tps) {
  const int width = tps < 32 ? tps : 32;
  for (int d = width / 2; d > 0; d /= 2) v += __shfl_down_sync(kFullMask, v, d, width);
  if ((threadIdx.x & (width - 1)) == 0) {
    if (tps <= 32)
      *dst += v;
    else
      atomicAdd(dst, v);
  }
}

}  // namespace msq::cuda
