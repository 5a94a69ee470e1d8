// CPU gate kernels on a tile psi: [2^n][2][L] R. Every loop body works on whole lane
// vectors (L contiguous R per plane), which the compiler turns into SIMD whatever the wire.
#pragma once
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/cpu/simd_level.h"
#include "kernels/cpu/statevector/lane_block_avx512.h"
#include "kernels/cpu/statevector/loops.h"

namespace msq::sv::cpu {

template <class R>
inline R* row_re(R* psi, int64_t i) { return psi + i * 2 * L; }
template <class R>
inline const R* row_re(const R* psi, int64_t i) { return psi + i * 2 * L; }

// psi: [2^n][2][L]; m: [4][2][L].
template <class R>
void apply_matrix1(R* psi, int n, int bit, uint64_t ctrl, const R* m_in) {
  const LaneCoeffs<R, 4> m(m_in);
  const int64_t s = int64_t(1) << bit;
  for_pairs(n, bit, ctrl, [&](int64_t i0) {
    R* __restrict a0r = row_re(psi, i0);
    R* __restrict a0i = a0r + L;
    R* __restrict a1r = row_re(psi, i0 + s);
    R* __restrict a1i = a1r + L;
#pragma omp simd
    for (int l = 0; l < L; ++l) {
      const R x0r = a0r[l], x0i = a0i[l], x1r = a1r[l], x1i = a1i[l];
      a0r[l] = m.re[0][l] * x0r - m.im[0][l] * x0i + m.re[1][l] * x1r - m.im[1][l] * x1i;
      a0i[l] = m.re[0][l] * x0i + m.im[0][l] * x0r + m.re[1][l] * x1i + m.im[1][l] * x1r;
      a1r[l] = m.re[2][l] * x0r - m.im[2][l] * x0i + m.re[3][l] * x1r - m.im[3][l] * x1i;
      a1i[l] = m.re[2][l] * x0i + m.im[2][l] * x0r + m.re[3][l] * x1i + m.im[3][l] * x1r;
    }
  });
}

// psi: [2^n][2][L]; m: [4][L] real. planes: 2, or 1 when the imaginary plane is zero (a
// real gate keeps it zero: only the real plane is read and written).
template <class R>
void apply_real_matrix1(R* psi, int n, int bit, uint64_t ctrl, const R* m_in, int planes) {
  alignas(64) R m[4][L];
  for (int e = 0; e < 4; ++e)
    for (int l = 0; l < L; ++l) m[e][l] = m_in[e * L + l];
  const int64_t s = int64_t(1) << bit;
  with_planes(planes, [&](auto P) {
    for_pairs(n, bit, ctrl, [&](int64_t i0) {
      R* __restrict a0 = row_re(psi, i0);
      R* __restrict a1 = row_re(psi, i0 + s);
#pragma omp simd
      for (int l = 0; l < P * L; ++l) {  // real and imaginary planes alike
        const int c = l & (L - 1);
        const R x0 = a0[l], x1 = a1[l];
        a0[l] = m[0][c] * x0 + m[1][c] * x1;
        a1[l] = m[2][c] * x0 + m[3][c] * x1;
      }
    });
  });
}

// psi: [2^n][2][L]; d: [2][2][L] (the diagonal).
template <class R>
void apply_diagonal1(R* psi, int n, int bit, uint64_t ctrl, const R* d_in) {
  const LaneCoeffs<R, 2> d(d_in);
  const int64_t s = int64_t(1) << bit;
  for_pairs(n, bit, ctrl, [&](int64_t i0) {
    for (int h = 0; h < 2; ++h) {
      R* __restrict ar = row_re(psi, i0 + h * s);
      R* __restrict ai = ar + L;
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        const R xr = ar[l], xi = ai[l];
        ar[l] = d.re[h][l] * xr - d.im[h][l] * xi;
        ai[l] = d.re[h][l] * xi + d.im[h][l] * xr;
      }
    }
  });
}

// a, b: two rows [2][L] (re then im), exchanged.
template <class R>
inline void swap_rows(R* __restrict a, R* __restrict b) {
#pragma omp simd
  for (int l = 0; l < 2 * L; ++l) {
    const R t = a[l];
    a[l] = b[l];
    b[l] = t;
  }
}

// psi: [2^n][2][L]; swaps rows i0 and i0 | 1<<bit where ctrl holds.
template <class R>
void apply_x(R* psi, int n, int bit, uint64_t ctrl) {
  const int64_t s = int64_t(1) << bit;
  for_pairs(n, bit, ctrl, [&](int64_t i0) {
    R* __restrict a = row_re(psi, i0);
    R* __restrict b = row_re(psi, i0 + s);
    swap_rows(a, b);
  });
}

// psi: [2^n][2][L]; exchanges the rows |..1..0..> and |..0..1..> of the two bits.
template <class R>
void apply_swap(R* psi, int n, int bit_a, int bit_b, uint64_t ctrl) {
  const int64_t sa = int64_t(1) << bit_a, sb = int64_t(1) << bit_b;
  for_quads(n, bit_a, bit_b, ctrl, [&](int64_t i) {
    R* __restrict a = row_re(psi, i + sa);
    R* __restrict b = row_re(psi, i + sb);
    swap_rows(a, b);
  });
}

// psi: [2^n][2][L]; swaps amplitudes (row bit 0, lane bit 1) <-> (row bit 1, lane bit 0).
// LB (the lane bit's value) is a template argument: the lane shuffles are constants.
template <class R, int LB>
void swap_lane_bit_t(R* psi, int n, int bit) {
  const int64_t s = int64_t(1) << bit;
  for_pairs(n, bit, 0, [&](int64_t i0) {
    R* __restrict a = row_re(psi, i0);
    R* __restrict b = row_re(psi, i0 + s);
    // lanes with the bit set in row a <-> lanes with it clear in row b: blocks of LB
#pragma GCC unroll 16
    for (int l = 0; l < 2 * L; l += 2 * LB)
#pragma GCC unroll 4
      for (int j = 0; j < LB; ++j) {
        const R t = a[l + LB + j];
        a[l + LB + j] = b[l + j];
        b[l + j] = t;
      }
  });
}

template <class R>
void swap_lane_bit(R* psi, int n, int lane_bit, int bit) {
  switch (lane_bit) {
    case 0: swap_lane_bit_t<R, 1>(psi, n, bit); return;
    case 1: swap_lane_bit_t<R, 2>(psi, n, bit); return;
    case 2: swap_lane_bit_t<R, 4>(psi, n, bit); return;
    default: swap_lane_bit_t<R, L>(psi, n, bit); return;  // the plane bit (folded layout)
  }
}

// psi: [2^n][2][L]; m: [16][2][L] on (bit_hi, bit_lo).
template <class R>
void apply_matrix2(R* psi, int n, int bit_hi, int bit_lo, const R* m_in) {
  const LaneCoeffs<R, 16> m(m_in);
  const int64_t sh = int64_t(1) << bit_hi, sl = int64_t(1) << bit_lo;
  for_quads(n, bit_hi, bit_lo, 0, [&](int64_t i) {
    R* rows[4] = {row_re(psi, i), row_re(psi, i + sl), row_re(psi, i + sh),
                  row_re(psi, i + sh + sl)};
    alignas(64) R xr[4][L], xi[4][L];
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < L; ++l) {
        xr[c][l] = rows[c][l];
        xi[c][l] = rows[c][L + l];
      }
    for (int r = 0; r < 4; ++r) {
      alignas(64) R yr[L] = {}, yi[L] = {};
      for (int c = 0; c < 4; ++c) {
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          yr[l] += m.re[4 * r + c][l] * xr[c][l] - m.im[4 * r + c][l] * xi[c][l];
          yi[l] += m.re[4 * r + c][l] * xi[c][l] + m.im[4 * r + c][l] * xr[c][l];
        }
      }
      for (int l = 0; l < L; ++l) {
        rows[r][l] = yr[l];
        rows[r][L + l] = yi[l];
      }
    }
  });
}

// out[l] = x[l ^ K]: a fixed shuffle of the lanes (one vpermps for float with AVX2).
template <int K, class R>
inline void xor_lanes(const R* x, R* out) {
#if defined(__AVX2__)
  if constexpr (std::is_same_v<R, float> && L == 8) {
    const __m256i idx = _mm256_setr_epi32(0 ^ K, 1 ^ K, 2 ^ K, 3 ^ K, 4 ^ K, 5 ^ K, 6 ^ K, 7 ^ K);
    _mm256_storeu_ps(out, _mm256_permutevar8x32_ps(_mm256_loadu_ps(x), idx));
    return;
  }
#endif
  for (int l = 0; l < L; ++l) out[l] = x[l ^ K];
}

// psi: [2^n][2][L]; a 2x2 on lane bit log2(S) of every row where ctrl holds: lane l gets
// a[l] x[l] + b[l] x[l ^ S]. ab: [2][2][L] lane complex (a, b), or with Real [2][L] real.
template <class R, int S, bool Real>
void apply_lane_matrix1_t(R* psi, int n, uint64_t ctrl, const R* ab) {
  constexpr int E = Real ? 2 : 4;  // coefficient planes: a, b (re) or a re, a im, b re, b im
  alignas(64) R c[E][L];
  for (int e = 0; e < E; ++e)
    for (int l = 0; l < L; ++l) c[e][l] = ab[e * L + l];
  for_rows(n, ctrl, [&](int64_t i) {
    R* __restrict xr = row_re(psi, i);
    R* __restrict xi = xr + L;
    alignas(64) R pr[L], pi[L];  // the partner lanes
    xor_lanes<S>(xr, pr);
    xor_lanes<S>(xi, pi);
    if constexpr (Real) {
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        xr[l] = c[0][l] * xr[l] + c[1][l] * pr[l];
        xi[l] = c[0][l] * xi[l] + c[1][l] * pi[l];
      }
    } else {
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        const R ar = xr[l], ai = xi[l];
        xr[l] = c[0][l] * ar - c[1][l] * ai + c[2][l] * pr[l] - c[3][l] * pi[l];
        xi[l] = c[0][l] * ai + c[1][l] * ar + c[2][l] * pi[l] + c[3][l] * pr[l];
      }
    }
  });
}

template <class R>
void apply_lane_matrix1(R* psi, int n, int lane_bit, uint64_t ctrl, const R* ab, bool real) {
  switch (lane_bit * 2 + (real ? 1 : 0)) {
    case 0: apply_lane_matrix1_t<R, 1, false>(psi, n, ctrl, ab); return;
    case 1: apply_lane_matrix1_t<R, 1, true>(psi, n, ctrl, ab); return;
    case 2: apply_lane_matrix1_t<R, 2, false>(psi, n, ctrl, ab); return;
    case 3: apply_lane_matrix1_t<R, 2, true>(psi, n, ctrl, ab); return;
    case 4: apply_lane_matrix1_t<R, 4, false>(psi, n, ctrl, ab); return;
    default: apply_lane_matrix1_t<R, 4, true>(psi, n, ctrl, ab); return;
  }
}

// One term of apply_lane_block: y[l] += c[l] x[l ^ K] (K a constant: a fixed lane shuffle).
template <class R, int K, bool Real>
inline void add_lane_term(R* __restrict yr, R* __restrict yi, const R* xr, const R* xi,
                          const R* c) {
  alignas(64) R px[L], py[L];
  xor_lanes<K>(xr, px);
  xor_lanes<K>(xi, py);
#pragma omp simd
  for (int l = 0; l < L; ++l) {
    const R pr = px[l], pi = py[l];
    if constexpr (Real) {
      yr[l] += c[l] * pr;
      yi[l] += c[l] * pi;
    } else {
      yr[l] += c[l] * pr - c[L + l] * pi;
      yi[l] += c[l] * pi + c[L + l] * pr;
    }
  }
}

// The real plane alone of a real term (the imaginary plane is zero and stays zero).
template <class R, int K>
inline void add_lane_term_re(R* __restrict yr, const R* xr, const R* c) {
  alignas(64) R px[L];
  xor_lanes<K>(xr, px);
#pragma omp simd
  for (int l = 0; l < L; ++l) yr[l] += c[l] * px[l];
}

template <class R, bool Real, bool ReOnly, int... K>
void apply_lane_block_t(R* psi, int n, int select_bit, const R* m,
                        std::integer_sequence<int, K...>) {
  constexpr int P = Real ? 1 : 2;  // coefficient planes
  const int variants = select_bit >= 0 ? 2 : 1;
  alignas(64) R c[2][L][P * L];
  for (int v = 0; v < variants; ++v)
    for (int k = 0; k < L; ++k)
      for (int e = 0; e < P * L; ++e) c[v][k][e] = m[(v * L + k) * P * L + e];
  for_rows(n, 0, [&](int64_t i) {
    const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
    R* __restrict xr = row_re(psi, i);
    R* __restrict xi = xr + L;
    // four independent sums (term k into sum k % 4): short dependency chains
    alignas(64) R yr[4][L] = {}, yi[4][L] = {};
    if constexpr (ReOnly) {  // a real block on a state with a zero imaginary plane
      (add_lane_term_re<R, K>(yr[K % 4], xr, c[v][K]), ...);
    } else {
      (add_lane_term<R, K, Real>(yr[K % 4], yi[K % 4], xr, xi, c[v][K]), ...);
    }
#pragma omp simd
    for (int l = 0; l < L; ++l) xr[l] = (yr[0][l] + yr[1][l]) + (yr[2][l] + yr[3][l]);
    if constexpr (!ReOnly) {
#pragma omp simd
      for (int l = 0; l < L; ++l) xi[l] = (yi[0][l] + yi[1][l]) + (yi[2][l] + yi[3][l]);
    }
  });
}

// psi: [2^n][2][L]; an 8x8 on the lane index of every row: lane l <- sum_k m[v][k][l] x[l^k],
// v = the row's bit `select_bit` (always 0 when select_bit < 0). m: [1 or 2][L][2][L] lane
// complex (k, then re/im planes), or with `real` [1 or 2][L][L]; planes: 1 (real only):
// the imaginary plane is zero, only the real plane is touched.
template <class R>
void apply_lane_block(R* psi, int n, int select_bit, const R* m, bool real, int planes) {
  if constexpr (std::is_same_v<R, float>) {
    if (msq::cpu::simd_level() == msq::cpu::SimdLevel::avx512) {
      apply_lane_block_avx512(psi, n, select_bit, m, real, planes);
      return;
    }
  }
  constexpr auto lanes = std::make_integer_sequence<int, L>();
  if (real && planes == 1) {
    apply_lane_block_t<R, true, true>(psi, n, select_bit, m, lanes);
  } else if (real) {
    apply_lane_block_t<R, true, false>(psi, n, select_bit, m, lanes);
  } else {
    apply_lane_block_t<R, false, false>(psi, n, select_bit, m, lanes);
  }
}

// psi: [2^n][2][L]; a real 4x4 on (bit_hi, bit_lo) that maps two rows of each quad onto two
// rows and the other two onto the other two (RY then a CNOT, RY x I, ...): half the
// arithmetic of apply_real_matrix2. idx: [8] quad rows (0..3): in_a, in_b, out_0, out_1 of
// the first pair, then of the second; m: [4][2][L] real, output k = m[k][0] x[in_a] +
// m[k][1] x[in_b] of its pair (outputs in idx order).
template <class R>
void apply_real_pairs2(R* psi, int n, int bit_hi, int bit_lo, const int* idx, const R* m_in,
                       int planes) {
  alignas(64) R m[4][2][L];
  for (int e = 0; e < 8 * L; ++e) (&m[0][0][0])[e] = m_in[e];
  const int64_t sh = int64_t(1) << bit_hi, sl = int64_t(1) << bit_lo;
  const int64_t offset[4] = {0, sl, sh, sh + sl};
  const int64_t in_a1 = offset[idx[0]], in_b1 = offset[idx[1]], in_a2 = offset[idx[4]],
                in_b2 = offset[idx[5]];
  const int64_t out0 = offset[idx[2]], out1 = offset[idx[3]], out2 = offset[idx[6]],
                out3 = offset[idx[7]];
  with_planes(planes, [&](auto P) {
    for_quads(n, bit_hi, bit_lo, 0, [&](int64_t i) {
      R* q = row_re(psi, i);
      const R* a1 = q + in_a1 * 2 * L;
      const R* b1 = q + in_b1 * 2 * L;
      const R* a2 = q + in_a2 * 2 * L;
      const R* b2 = q + in_b2 * 2 * L;
      R* y0 = q + out0 * 2 * L;
      R* y1 = q + out1 * 2 * L;
      R* y2 = q + out2 * 2 * L;
      R* y3 = q + out3 * 2 * L;
      for (int p = 0; p < P * L; p += L) {  // the real plane, then the imaginary plane
#pragma omp simd
        for (int l = 0; l < L; ++l) {  // all four inputs are read before any output is written
          const R xa1 = a1[p + l], xb1 = b1[p + l], xa2 = a2[p + l], xb2 = b2[p + l];
          y0[p + l] = m[0][0][l] * xa1 + m[0][1][l] * xb1;
          y1[p + l] = m[1][0][l] * xa1 + m[1][1][l] * xb1;
          y2[p + l] = m[2][0][l] * xa2 + m[2][1][l] * xb2;
          y3[p + l] = m[3][0][l] * xa2 + m[3][1][l] * xb2;
        }
      }
    });
  });
}

// psi: [2^n][2][L]; m: [16][L] real on (bit_hi, bit_lo) (a fused real block: RY, CNOT, ...).
template <class R>
void apply_real_matrix2(R* psi, int n, int bit_hi, int bit_lo, const R* m_in, int planes) {
  alignas(64) R m[16][L];
  for (int e = 0; e < 16; ++e)
    for (int l = 0; l < L; ++l) m[e][l] = m_in[e * L + l];
  const int64_t sh = int64_t(1) << bit_hi, sl = int64_t(1) << bit_lo;
  with_planes(planes, [&](auto P) {
    for_quads(n, bit_hi, bit_lo, 0, [&](int64_t i) {
      R* __restrict r0 = row_re(psi, i);
      R* __restrict r1 = row_re(psi, i + sl);
      R* __restrict r2 = row_re(psi, i + sh);
      R* __restrict r3 = row_re(psi, i + sh + sl);
      for (int p = 0; p < P * L; p += L) {  // the real plane, then the imaginary plane
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          const R x0 = r0[p + l], x1 = r1[p + l], x2 = r2[p + l], x3 = r3[p + l];
          r0[p + l] = m[0][l] * x0 + m[1][l] * x1 + m[2][l] * x2 + m[3][l] * x3;
          r1[p + l] = m[4][l] * x0 + m[5][l] * x1 + m[6][l] * x2 + m[7][l] * x3;
          r2[p + l] = m[8][l] * x0 + m[9][l] * x1 + m[10][l] * x2 + m[11][l] * x3;
          r3[p + l] = m[12][l] * x0 + m[13][l] * x1 + m[14][l] * x2 + m[15][l] * x3;
        }
      }
    });
  });
}

// y += c x; x, y: [2^n][2][L]; c: [L].
template <class R>
void axpy(R* y, const R* x, int n, const R* c_in) {
  alignas(64) R c[L];
  for (int l = 0; l < L; ++l) c[l] = c_in[l];
  const int64_t rows = (int64_t(1) << n) * 2;
  auto body = [&](int64_t r) {
#pragma omp simd
    for (int l = 0; l < L; ++l) y[r * L + l] += c[l] * x[r * L + l];
  };
  if (rows < 2 * kParallelPairs) {
    for (int64_t r = 0; r < rows; ++r) body(r);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) body(r);
}

}  // namespace msq::sv::cpu
