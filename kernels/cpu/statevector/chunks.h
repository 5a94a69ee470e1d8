// Moving chunks of a large state between memory and a cache-sized buffer: runs of
// contiguous rows gathered into one buffer and scattered back. Scattering a state much
// larger than the caches uses streaming stores (no read of the lines about to be
// overwritten, no eviction of the buffer), 32-byte aligned runs only; memcpy otherwise.
#pragma once
#include <cstring>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "kernels/cpu/statevector/loops.h"

namespace msq::sv::cpu {

// chunk: [runs][2^run_bits][2][L] <- psi rows [run_start[j], run_start[j] + 2^run_bits).
template <class R>
void gather_rows(const R* psi, R* chunk, const int64_t* run_start, int64_t runs, int run_bits) {
  const size_t run_values = size_t(2 * L) << run_bits;
  for (int64_t j = 0; j < runs; ++j)
    std::memcpy(chunk + j * run_values, psi + run_start[j] * 2 * L, run_values * sizeof(R));
}

// Copies `bytes` (a multiple of 64) from src to a 32-byte aligned dst around the caches.
inline void stream_copy(void* dst, const void* src, size_t bytes) {
#if defined(__AVX__)
  auto* d = static_cast<float*>(dst);
  const auto* s = static_cast<const float*>(src);
  for (size_t i = 0; i < bytes / sizeof(float); i += 16) {
    _mm256_stream_ps(d + i, _mm256_loadu_ps(s + i));
    _mm256_stream_ps(d + i + 8, _mm256_loadu_ps(s + i + 8));
  }
#else
  std::memcpy(dst, src, bytes);
#endif
}

// psi rows [run_start[j], +2^run_bits) <- chunk run j.
template <class R>
void scatter_rows(R* psi, const R* chunk, const int64_t* run_start, int64_t runs, int run_bits,
                  bool stream) {
  const size_t run_values = size_t(2 * L) << run_bits, run_bytes = run_values * sizeof(R);
  stream = stream && reinterpret_cast<uintptr_t>(psi) % 32 == 0;
  for (int64_t j = 0; j < runs; ++j) {
    R* dst = psi + run_start[j] * 2 * L;
    if (stream) {
      stream_copy(dst, chunk + j * run_values, run_bytes);
    } else {
      std::memcpy(dst, chunk + j * run_values, run_bytes);
    }
  }
#if defined(__AVX__)
  if (stream) _mm_sfence();
#endif
}

}  // namespace msq::sv::cpu
