// Register helpers shared by the AVX-512 statevector kernels (pair_groups_avx512.cpp,
// lane_block_avx512.cpp, lane_stages_avx512.cpp): a row of one lane tile, [2][L] floats
// (real plane, imaginary plane), is one zmm. Include inside the file's AVX-512 region
// (kernels/cpu/avx512_region_begin.h), so these compile for AVX-512 as the kernels do.
#pragma once
#include <immintrin.h>

#include "kernels/cpu/statevector/loops.h"

namespace msq::sv::cpu::zmm {

static_assert(L == 8, "one lane plane is 8 floats: a ymm, a row of two planes a zmm");

// [lo | hi] from two ymm (AVX-512F alone: no DQ instructions).
inline __m512 join_halves(__m256 lo, __m256 hi) {
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1));
}

// The 8 floats at c in both halves.
inline __m512 twice(const float* c) {
  const __m256 v = _mm256_loadu_ps(c);
  return join_halves(v, v);
}

}  // namespace msq::sv::cpu::zmm
