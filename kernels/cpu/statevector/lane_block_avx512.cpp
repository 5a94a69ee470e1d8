// Lane blocks (apply_lane_block in gates.h) for complex64 with AVX-512F/VL: lane l of a row
// gets sum_k c_k[l] x[l ^ k]. A row's two planes, [re lanes 0..7 | im lanes 0..7], are one
// zmm and each term is one lane permutation of both planes at once (vpermps) and one FMA;
// a complex term adds the permutation with the planes swapped. With one plane (real state,
// zero imaginary plane) a row is one ymm. The coefficients of both variants stay in
// registers where they fit (32 zmm), instead of a load for each FMA.
#include <immintrin.h>

#include "kernels/cpu/statevector/lane_block_avx512.h"
#include "kernels/cpu/statevector/loops.h"

#include "kernels/cpu/avx512_region_begin.h"

#include "kernels/cpu/statevector/zmm_planes.h"

namespace msq::sv::cpu {

namespace {

using zmm::join_halves;
using zmm::twice;

// f(i) for every row i, forking only on a large state (the AVX2 kernels' threshold).
template <class F>
void each_row(int n, F&& f) {
  const int64_t rows = int64_t(1) << n;
  if (rows < 2 * kParallelPairs) {
    for (int64_t i = 0; i < rows; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < rows; ++i) f(i);
}

// zmm element j = half h (plane), lane l reads lane l ^ k of plane h, or with `swap` of
// plane 1 - h.
__m512i plane_permutation(int k, bool swap) {
  alignas(64) int idx[16];
  for (int j = 0; j < 16; ++j) idx[j] = ((j >> 3) ^ int(swap)) * 8 + ((j & 7) ^ k);
  return _mm512_load_si512(idx);
}

// Real coefficients, both planes of the state: y = sum_k [c_k | c_k] * perm_k(x).
// m: [variants][L][L].
void real_two_planes(float* psi, int n, int select_bit, const float* m) {
  const int variants = select_bit >= 0 ? 2 : 1;
  __m512 c[2][L];
  __m512i perm[L];
  for (int k = 0; k < L; ++k) perm[k] = plane_permutation(k, false);
  for (int v = 0; v < 2; ++v)
    for (int k = 0; k < L; ++k)
      c[v][k] = twice(m + ((v % variants) * L + k) * L);
  each_row(n, [&](int64_t i) {
    const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
    float* row = psi + i * 2 * L;
    const __m512 x = _mm512_loadu_ps(row);
    __m512 y0 = _mm512_mul_ps(c[v][0], x);
    __m512 y1 = _mm512_mul_ps(c[v][1], _mm512_permutexvar_ps(perm[1], x));
    y0 = _mm512_fmadd_ps(c[v][2], _mm512_permutexvar_ps(perm[2], x), y0);
    y1 = _mm512_fmadd_ps(c[v][3], _mm512_permutexvar_ps(perm[3], x), y1);
    y0 = _mm512_fmadd_ps(c[v][4], _mm512_permutexvar_ps(perm[4], x), y0);
    y1 = _mm512_fmadd_ps(c[v][5], _mm512_permutexvar_ps(perm[5], x), y1);
    y0 = _mm512_fmadd_ps(c[v][6], _mm512_permutexvar_ps(perm[6], x), y0);
    y1 = _mm512_fmadd_ps(c[v][7], _mm512_permutexvar_ps(perm[7], x), y1);
    _mm512_storeu_ps(row, _mm512_add_ps(y0, y1));
  });
}

// Real coefficients, the real plane alone: y = sum_k c_k * perm_k(x_re). m: [variants][L][L].
void real_one_plane(float* psi, int n, int select_bit, const float* m) {
  const int variants = select_bit >= 0 ? 2 : 1;
  __m256 c[2][L];
  __m256i perm[L];
  for (int k = 0; k < L; ++k)
    perm[k] = _mm256_setr_epi32(0 ^ k, 1 ^ k, 2 ^ k, 3 ^ k, 4 ^ k, 5 ^ k, 6 ^ k, 7 ^ k);
  for (int v = 0; v < 2; ++v)
    for (int k = 0; k < L; ++k) c[v][k] = _mm256_loadu_ps(m + ((v % variants) * L + k) * L);
  each_row(n, [&](int64_t i) {
    const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
    float* row = psi + i * 2 * L;
    const __m256 x = _mm256_loadu_ps(row);
    __m256 y0 = _mm256_mul_ps(c[v][0], x);
    __m256 y1 = _mm256_mul_ps(c[v][1], _mm256_permutevar8x32_ps(x, perm[1]));
    for (int k = 2; k < L; k += 2) {
      y0 = _mm256_fmadd_ps(c[v][k], _mm256_permutevar8x32_ps(x, perm[k]), y0);
      y1 = _mm256_fmadd_ps(c[v][k + 1], _mm256_permutevar8x32_ps(x, perm[k + 1]), y1);
    }
    _mm256_storeu_ps(row, _mm256_add_ps(y0, y1));
  });
}

// Complex coefficients: y = sum_k [cr | cr] * perm_k(x) + [-ci | ci] * perm_k(x, planes
// swapped). m: [variants][L][2][L] (k, then re/im planes).
void complex_block(float* psi, int n, int select_bit, const float* m) {
  const int variants = select_bit >= 0 ? 2 : 1;
  alignas(64) float c[2][L][2][2 * L];  // [v][k]: [cr | cr], [-ci | ci]
  for (int v = 0; v < 2; ++v)
    for (int k = 0; k < L; ++k) {
      const float* src = m + ((v % variants) * L + k) * 2 * L;
      for (int l = 0; l < L; ++l) {
        c[v][k][0][l] = c[v][k][0][L + l] = src[l];
        c[v][k][1][l] = -src[L + l];
        c[v][k][1][L + l] = src[L + l];
      }
    }
  __m512i perm[L], swapped[L];
  for (int k = 0; k < L; ++k) {
    perm[k] = plane_permutation(k, false);
    swapped[k] = plane_permutation(k, true);
  }
  each_row(n, [&](int64_t i) {
    const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
    float* row = psi + i * 2 * L;
    const __m512 x = _mm512_loadu_ps(row);
    __m512 y0 = _mm512_setzero_ps(), y1 = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int k = 0; k < L; ++k) {
      y0 = _mm512_fmadd_ps(_mm512_load_ps(c[v][k][0]), _mm512_permutexvar_ps(perm[k], x), y0);
      y1 = _mm512_fmadd_ps(_mm512_load_ps(c[v][k][1]), _mm512_permutexvar_ps(swapped[k], x),
                           y1);
    }
    _mm512_storeu_ps(row, _mm512_add_ps(y0, y1));
  });
}

// Complex coefficients that are each real or imaginary (products of RX, RY and CNOTs: the RX
// ring's lane blocks): term k is one permutation that takes lane l ^ k from the same plane
// (a real coefficient) or from the other (an imaginary one, with its sign per plane) and one
// FMA, half the work of complex_block. Returns false (nothing done) when some coefficient
// has both parts.
bool pure_complex_block(float* psi, int n, int select_bit, const float* m) {
  const int variants = select_bit >= 0 ? 2 : 1;
  alignas(64) float c[2][L][2 * L];
  alignas(64) int idx[2][L][2 * L];
  for (int v = 0; v < 2; ++v)
    for (int k = 0; k < L; ++k) {
      const float* src = m + ((v % variants) * L + k) * 2 * L;
      for (int l = 0; l < L; ++l) {
        const float re = src[l], im = src[L + l];
        if (re != 0.0f && im != 0.0f) return false;
        const bool swap = im != 0.0f;  // re: -im * x_im, im: im * x_re
        for (int h = 0; h < 2; ++h) {
          idx[v][k][h * L + l] = ((h ^ int(swap)) * L) + (l ^ k);
          c[v][k][h * L + l] = swap ? (h == 0 ? -im : im) : re;
        }
      }
    }
  each_row(n, [&](int64_t i) {
    const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
    float* row = psi + i * 2 * L;
    const __m512 x = _mm512_loadu_ps(row);
    __m512 y0 = _mm512_setzero_ps(), y1 = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int k = 0; k < L; k += 2) {
      y0 = _mm512_fmadd_ps(_mm512_load_ps(c[v][k]),
                           _mm512_permutexvar_ps(_mm512_load_si512(idx[v][k]), x), y0);
      y1 = _mm512_fmadd_ps(_mm512_load_ps(c[v][k + 1]),
                           _mm512_permutexvar_ps(_mm512_load_si512(idx[v][k + 1]), x), y1);
    }
    _mm512_storeu_ps(row, _mm512_add_ps(y0, y1));
  });
  return true;
}

}  // namespace

void apply_lane_block_avx512(float* psi, int n, int select_bit, const float* m, bool real,
                             int planes) {
  if (!real) {
    if (!pure_complex_block(psi, n, select_bit, m)) complex_block(psi, n, select_bit, m);
  } else if (planes == 1) {
    real_one_plane(psi, n, select_bit, m);
  } else {
    real_two_planes(psi, n, select_bit, m);
  }
}

}  // namespace msq::sv::cpu

#include "kernels/cpu/avx512_region_end.h"
