// Lane stages (lane_stages.h) for complex64 with AVX-512F/VL. A row's two planes, [re lanes
// 0..7 | im lanes 0..7], are one zmm; x[l ^ 2^t] of both planes is one in-lane shuffle
// (vpermilps for t = 0, 1, vshuff32x4 for t = 2), a permutation stage one vpermps. Four rows
// go through the stages side by side: each stage waits on the one before it, so rows in
// flight hide that latency.
#include <immintrin.h>

#include "kernels/cpu/statevector/lane_stages_avx512.h"
#include "kernels/cpu/statevector/loops.h"

#include "kernels/cpu/avx512_region_begin.h"

#include "kernels/cpu/statevector/zmm_planes.h"

namespace msq::sv::cpu {

namespace {

constexpr int kRowsTogether = 4;

// x[l ^ 2^t] in each plane.
inline __m512 flip(__m512 x, int t) {
  switch (t) {
    case 0: return _mm512_permute_ps(x, 0xB1);
    case 1: return _mm512_permute_ps(x, 0x4E);
    default: return _mm512_shuffle_f32x4(x, x, 0xB1);
  }
}

inline __m512 swap_planes(__m512 x) { return _mm512_shuffle_f32x4(x, x, 0x4E); }

// One stage's registers per variant: a 2x2 stage [a | a], [b | b] (real) or with the
// imaginary parts [-ai | ai], [-bi | bi]; a permutation stage its vpermps indices.
struct Stage {
  int kind;  // 0..2: a 2x2 on that lane bit; 3: a permutation
  __m512 a[2], b[2], ai[2], bi[2];
  __m512i perm[2];
};

template <bool Real>
void run_stages(float* psi, int n, int select_bit, int count, const Stage* stages) {
  auto apply = [&](__m512 x, int v, const Stage& st) {
    if (st.kind == 3) return _mm512_permutexvar_ps(st.perm[v], x);
    const __m512 f = flip(x, st.kind);
    if constexpr (Real) {
      return _mm512_fmadd_ps(st.b[v], f, _mm512_mul_ps(st.a[v], x));
    } else {
      __m512 y = _mm512_fmadd_ps(st.b[v], f, _mm512_mul_ps(st.a[v], x));
      y = _mm512_fmadd_ps(st.ai[v], swap_planes(x), y);
      return _mm512_fmadd_ps(st.bi[v], swap_planes(f), y);
    }
  };
  auto body = [&](int64_t block) {  // rows block * 4 .. + 3
    const int64_t i0 = block * kRowsTogether;
    __m512 x[kRowsTogether];
    int v[kRowsTogether];
    for (int r = 0; r < kRowsTogether; ++r) {
      x[r] = _mm512_loadu_ps(psi + (i0 + r) * 2 * L);
      v[r] = select_bit >= 0 ? int(((i0 + r) >> select_bit) & 1) : 0;
    }
    for (int s = 0; s < count; ++s)
      for (int r = 0; r < kRowsTogether; ++r) x[r] = apply(x[r], v[r], stages[s]);
    for (int r = 0; r < kRowsTogether; ++r) _mm512_storeu_ps(psi + (i0 + r) * 2 * L, x[r]);
  };
  const int64_t rows = int64_t(1) << n;
  if (rows < kRowsTogether) {  // fewer rows than a block: one at a time
    for (int64_t i = 0; i < rows; ++i) {
      const int vi = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
      __m512 x = _mm512_loadu_ps(psi + i * 2 * L);
      for (int s = 0; s < count; ++s) x = apply(x, vi, stages[s]);
      _mm512_storeu_ps(psi + i * 2 * L, x);
    }
    return;
  }
  const int64_t blocks = rows / kRowsTogether;
  if (rows < 2 * kParallelPairs) {  // the AVX2 kernels' threshold
    for (int64_t k = 0; k < blocks; ++k) body(k);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < blocks; ++k) body(k);
}

}  // namespace

void apply_lane_stages_avx512(float* psi, int n, int select_bit, int count,
                              const int* lane_bits, const float* coeffs, const int* perms,
                              bool real) {
  const int variants = select_bit >= 0 ? 2 : 1;
  const int E = real ? 2 : 4;
  Stage stages[kMaxLaneStages];
  for (int s = 0; s < count; ++s) {
    Stage& st = stages[s];
    st.kind = lane_bits[s] >= 0 ? lane_bits[s] : 3;
    for (int v = 0; v < 2; ++v) {
      const int u = v % variants;
      if (lane_bits[s] < 0) {
        alignas(64) int idx[2 * L];
        for (int l = 0; l < L; ++l) idx[l] = perms[u * L + l], idx[L + l] = L + perms[u * L + l];
        st.perm[v] = _mm512_load_si512(idx);
        continue;
      }
      const float* c = coeffs + u * E * L;
      if (real) {
        st.a[v] = zmm::twice(c);
        st.b[v] = zmm::twice(c + L);
        continue;
      }
      alignas(64) float ai[2 * L], bi[2 * L];
      for (int l = 0; l < L; ++l) {
        ai[l] = -c[L + l], ai[L + l] = c[L + l];
        bi[l] = -c[3 * L + l], bi[L + l] = c[3 * L + l];
      }
      st.a[v] = zmm::twice(c);
      st.b[v] = zmm::twice(c + 2 * L);
      st.ai[v] = _mm512_load_ps(ai);
      st.bi[v] = _mm512_load_ps(bi);
    }
    if (lane_bits[s] >= 0) {
      coeffs += variants * E * L;
    } else {
      perms += variants * L;
    }
  }
  if (real) {
    run_stages<true>(psi, n, select_bit, count, stages);
  } else {
    run_stages<false>(psi, n, select_bit, count, stages);
  }
}

}  // namespace msq::sv::cpu

#include "kernels/cpu/avx512_region_end.h"
