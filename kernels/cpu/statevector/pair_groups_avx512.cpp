// Pair groups (pair_groups.h) for complex64 with AVX-512F/VL. A row of one lane tile,
// [2][L] = 16 floats (real plane, imaginary plane), is one zmm register; with one plane
// (real states whose imaginary plane stays zero) a row is one ymm. AVX2's 16 registers
// cannot hold a step's coefficients next to a quad's data, so its loop reloads them for
// every quad; here the 8 (real) or 16 (complex) coefficient registers are loaded once per
// step and each quad costs its 4 row loads, 4 row stores and the arithmetic.
#include <immintrin.h>

#include "kernels/cpu/statevector/loops.h"
#include "kernels/cpu/statevector/pair_groups_avx512.h"

#include "kernels/cpu/avx512_region_begin.h"

#include "kernels/cpu/statevector/zmm_planes.h"

namespace msq::sv::cpu {

namespace {

using zmm::join_halves;
using zmm::twice;

// Both planes of a row: zmm = [re lanes 0..7 | im lanes 0..7]; a real coefficient (one
// plane of 8) is repeated in both halves.
struct TwoPlanes {
  using reg = __m512;
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static reg coefficient(const float* c) { return twice(c); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
};

// The real plane alone: ymm = [re lanes 0..7].
struct OnePlane {
  using reg = __m256;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static reg coefficient(const float* c) { return _mm256_loadu_ps(c); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
};

// The groups of 2^G rows, one after another (or split over threads on a large state):
// step(s, from, to) applies step s reading `from` and writing `to` (psi rows or the buffer).
template <int G, class Step>
void for_groups(float* psi, int n, int count, const int* group_bits, Step&& step) {
  const int64_t groups = (int64_t(1) << n) >> G;
  auto body = [&](int64_t k) {
    alignas(64) float buf[(1 << G) * 2 * L];
    for (int j = 0; j < G; ++j) k = insert_zero(k, group_bits[j]);
    float* rows = psi + k * 2 * L;
    for (int s = 0; s < count; ++s)
      step(s, s == 0 ? rows : buf, s == count - 1 ? rows : buf);
  };
  if ((groups << G) < 2 * kParallelPairs) {  // the AVX2 templates' threshold
    for (int64_t k = 0; k < groups; ++k) body(k);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < groups; ++k) body(k);
}

// Real steps: y0 = c00 xa1 + c01 xb1, y1 = c10 xa1 + c11 xb1, y2, y3 alike from xa2, xb2.
// m: [count][8][L] ([4 outputs][2 inputs][L]).
template <class V, int G>
void real_groups(float* psi, int n, int count, const int* group_bits, const GroupStep* steps,
                 const float* m) {
  constexpr int quads = 1 << (G - 2);
  for_groups<G>(psi, n, count, group_bits, [&](int s, const float* from, float* to) {
    const GroupStep& st = steps[s];
    typename V::reg c[8];
    for (int e = 0; e < 8; ++e) c[e] = V::coefficient(m + (s * 8 + e) * L);
    const int64_t i0 = st.in[0], i1 = st.in[1], i2 = st.in[2], i3 = st.in[3];
    const int64_t o0 = st.out[0], o1 = st.out[1], o2 = st.out[2], o3 = st.out[3];
#pragma GCC unroll 16
    for (int q = 0; q < quads; ++q) {
      const float* f = from + st.from_base[q];
      float* t = to + st.to_base[q];
      const auto xa1 = V::load(f + i0), xb1 = V::load(f + i1);
      const auto xa2 = V::load(f + i2), xb2 = V::load(f + i3);
      const auto y0 = V::fma(c[1], xb1, V::mul(c[0], xa1));
      const auto y1 = V::fma(c[3], xb1, V::mul(c[2], xa1));
      const auto y2 = V::fma(c[5], xb2, V::mul(c[4], xa2));
      const auto y3 = V::fma(c[7], xb2, V::mul(c[6], xa2));
      V::store(t + o0, y0), V::store(t + o1, y1), V::store(t + o2, y2), V::store(t + o3, y3);
    }
  });
}

// Complex steps: y = ca xa + cb xb in complex arithmetic. With x = [xr | xi] and its halves
// swapped x' = [xi | xr]: c x = [cr | cr] * x + [-ci | ci] * x'.
// m: [count][16][L] ([4 outputs][2 inputs][re, im][L]).
template <int G>
void complex_groups(float* psi, int n, int count, const int* group_bits,
                    const GroupStep* steps, const float* m) {
  constexpr int quads = 1 << (G - 2);
  auto swap_planes = [](__m512 x) { return _mm512_shuffle_f32x4(x, x, 0x4E); };
  for_groups<G>(psi, n, count, group_bits, [&](int s, const float* from, float* to) {
    const GroupStep& st = steps[s];
    __m512 re[8], im[8];  // [output][input]: [cr | cr], [-ci | ci]
    for (int e = 0; e < 8; ++e) {
      const float* c = m + (s * 16 + 2 * e) * L;
      const __m256 ci = _mm256_loadu_ps(c + L);
      re[e] = twice(c);
      im[e] = join_halves(_mm256_sub_ps(_mm256_setzero_ps(), ci), ci);
    }
    const int64_t i0 = st.in[0], i1 = st.in[1], i2 = st.in[2], i3 = st.in[3];
    const int64_t o0 = st.out[0], o1 = st.out[1], o2 = st.out[2], o3 = st.out[3];
    auto out = [&](int o, __m512 a, __m512 sa, __m512 b, __m512 sb) {
      const __m512 y = _mm512_fmadd_ps(re[2 * o], a, _mm512_mul_ps(im[2 * o], sa));
      return _mm512_fmadd_ps(re[2 * o + 1], b, _mm512_fmadd_ps(im[2 * o + 1], sb, y));
    };
#pragma GCC unroll 16
    for (int q = 0; q < quads; ++q) {
      const float* f = from + st.from_base[q];
      float* t = to + st.to_base[q];
      const __m512 a1 = _mm512_loadu_ps(f + i0), b1 = _mm512_loadu_ps(f + i1);
      const __m512 a2 = _mm512_loadu_ps(f + i2), b2 = _mm512_loadu_ps(f + i3);
      const __m512 sa1 = swap_planes(a1), sb1 = swap_planes(b1);
      const __m512 sa2 = swap_planes(a2), sb2 = swap_planes(b2);
      const __m512 y0 = out(0, a1, sa1, b1, sb1), y1 = out(1, a1, sa1, b1, sb1);
      const __m512 y2 = out(2, a2, sa2, b2, sb2), y3 = out(3, a2, sa2, b2, sb2);
      _mm512_storeu_ps(t + o0, y0), _mm512_storeu_ps(t + o1, y1);
      _mm512_storeu_ps(t + o2, y2), _mm512_storeu_ps(t + o3, y3);
    }
  });
}

template <int G>
void groups_g(float* psi, int n, int count, const int* group_bits, const GroupStep* steps,
              const float* m, bool real, int planes) {
  if (!real) {
    complex_groups<G>(psi, n, count, group_bits, steps, m);
  } else if (planes == 1) {
    real_groups<OnePlane, G>(psi, n, count, group_bits, steps, m);
  } else {
    real_groups<TwoPlanes, G>(psi, n, count, group_bits, steps, m);
  }
}

}  // namespace

void apply_pairs_group_avx512(float* psi, int n, int count, int G, const int* group_bits,
                              const GroupStep* steps, const float* m, bool real, int planes) {
  switch (G) {
    case 2: groups_g<2>(psi, n, count, group_bits, steps, m, real, planes); return;
    case 3: groups_g<3>(psi, n, count, group_bits, steps, m, real, planes); return;
    case 4: groups_g<4>(psi, n, count, group_bits, steps, m, real, planes); return;
    case 5: groups_g<5>(psi, n, count, group_bits, steps, m, real, planes); return;
    case 6: groups_g<6>(psi, n, count, group_bits, steps, m, real, planes); return;
    default: groups_g<7>(psi, n, count, group_bits, steps, m, real, planes); return;
  }
}

}  // namespace msq::sv::cpu

#include "kernels/cpu/avx512_region_end.h"
