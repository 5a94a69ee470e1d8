// Index loops shared by the CPU statevector kernels: walking the pairs (or quads) of rows
// that a gate on one (or two) bits couples, in parallel only when the state is large, and
// lane-wise reductions accumulated in R per chunk and in double across chunks.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "kernels/statevector.h"

namespace msq::sv::cpu {

constexpr int L = kLanes;
// Below this many pairs a kernel runs on the calling thread: a tiny state never forks.
constexpr int64_t kParallelPairs = int64_t(1) << 15;
// Reductions add in R over chunks of this many pairs, then in double.
constexpr int64_t kChunk = 1024;

// k-th index with a 0 inserted at bit position b.
inline int64_t insert_zero(int64_t k, int b) {
  return ((k >> b) << (b + 1)) | (k & ((int64_t(1) << b) - 1));
}
// k-th index with 0s inserted at bit positions lo < hi.
inline int64_t insert_zeros(int64_t k, int lo, int hi) {
  return insert_zero(insert_zero(k, lo), hi);
}

// f(i0) for every row index i0 with `bit` clear and every ctrl bit set, i1 = i0 | 1<<bit.
template <class F>
inline void for_pairs(int n, int bit, uint64_t ctrl, F&& f) {
  const int64_t count = (int64_t(1) << n) >> 1;
  if (count < kParallelPairs) {  // a plain loop: no OpenMP call at all on a small state
    const int64_t s = int64_t(1) << bit, dim = int64_t(1) << n;
    for (int64_t hi = 0; hi < dim; hi += 2 * s)
      for (int64_t i0 = hi; i0 < hi + s; ++i0)
        if ((uint64_t(i0) & ctrl) == ctrl) f(i0);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i0 = insert_zero(k, bit);
    if ((uint64_t(i0) & ctrl) != ctrl) continue;
    f(i0);
  }
}

// f(i) for every row index i with every ctrl bit set.
template <class F>
inline void for_rows(int n, uint64_t ctrl, F&& f) {
  const int64_t rows = int64_t(1) << n;
  if (rows < 2 * kParallelPairs) {
    for (int64_t i = 0; i < rows; ++i)
      if ((uint64_t(i) & ctrl) == ctrl) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < rows; ++i)
    if ((uint64_t(i) & ctrl) == ctrl) f(i);
}

// f(i00) for every index with both bits clear and every ctrl bit set.
template <class F>
inline void for_quads(int n, int bit_a, int bit_b, uint64_t ctrl, F&& f) {
  const int64_t count = (int64_t(1) << n) >> 2;
  const int lo = std::min(bit_a, bit_b), hi = std::max(bit_a, bit_b);
  if (count < kParallelPairs) {  // nested strides: the innermost loop walks contiguous rows
    const int64_t sh = int64_t(1) << hi, sl = int64_t(1) << lo, dim = int64_t(1) << n;
    for (int64_t a = 0; a < dim; a += 2 * sh)
      for (int64_t b = a; b < a + sh; b += 2 * sl)
        for (int64_t i = b; i < b + sl; ++i)
          if ((uint64_t(i) & ctrl) == ctrl) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i = insert_zeros(k, lo, hi);
    if ((uint64_t(i) & ctrl) != ctrl) continue;
    f(i);
  }
}

// f(i) for every index with the three bits a < b < c clear.
template <class F>
inline void for_octets(int n, int a, int b, int c, F&& f) {
  const int64_t count = (int64_t(1) << n) >> 3;
  auto index = [&](int64_t k) { return insert_zero(insert_zero(insert_zero(k, a), b), c); };
  if (count < kParallelPairs) {
    for (int64_t k = 0; k < count; ++k) f(index(k));
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < count; ++k) f(index(k));
}

// Lane-wise complex reductions over `count` items into N accumulators: body(k, re, im)
// adds item k into re[N][L], im[N][L] (R); out[N][2][L] gets the double totals.
template <class R, int N = 1, class Body>
inline void reduce_lanes(int64_t count, double* out, Body&& body) {
  for (int l = 0; l < 2 * L * N; ++l) out[l] = 0.0;
  const int64_t chunks = (count + kChunk - 1) / kChunk;
  auto run_chunk = [&](int64_t c, double* dst) {
    alignas(64) R re[N][L] = {}, im[N][L] = {};
    const int64_t end = std::min(count, (c + 1) * kChunk);
    for (int64_t k = c * kChunk; k < end; ++k) body(k, re, im);
    for (int a = 0; a < N; ++a)
      for (int l = 0; l < L; ++l) {
        dst[(2 * a) * L + l] += re[a][l];
        dst[(2 * a + 1) * L + l] += im[a][l];
      }
  };
  if (count < kParallelPairs) {
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c, out);
    return;
  }
#pragma omp parallel
  {
    double local[2 * L * N] = {};
#pragma omp for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c, local);
#pragma omp critical(msq_sv_reduce)
    for (int l = 0; l < 2 * L * N; ++l) out[l] += local[l];
  }
}

// f(std::integral_constant<int, P>) with P = planes (1 or 2): the planes of each row a real
// kernel touches, a compile-time count (1: the imaginary plane is zero and stays zero).
template <class F>
inline void with_planes(int planes, F&& f) {
  if (planes == 1) {
    f(std::integral_constant<int, 1>());
  } else {
    f(std::integral_constant<int, 2>());
  }
}

// Loads a lane-complex block of `count` entries into a local array (no aliasing with psi).
template <class R, int Count>
struct LaneCoeffs {
  alignas(64) R re[Count][L];
  alignas(64) R im[Count][L];
  explicit LaneCoeffs(const R* m) {
    for (int c = 0; c < Count; ++c)
      for (int l = 0; l < L; ++l) {
        re[c][l] = m[(2 * c) * L + l];
        im[c][l] = m[(2 * c + 1) * L + l];
      }
  }
};

}  // namespace msq::sv::cpu
