// CPU reductions on tiles: bilinear forms <lam| M |psi> (the adjoint method's gradients),
// Pauli-string expectation values and accumulation, probabilities.
#pragma once
#include "kernels/cpu/statevector/gates.h"

namespace msq::sv::cpu {

// conj(a) * b accumulated into (re, im), lane-wise.
template <class R>
inline void acc_conj_mul(R* __restrict re, R* __restrict im, const R* ar, const R* ai,
                         const R* br, const R* bi) {
#pragma omp simd
  for (int l = 0; l < L; ++l) {
    re[l] += ar[l] * br[l] + ai[l] * bi[l];
    im[l] += ar[l] * bi[l] - ai[l] * br[l];
  }
}

// lam, psi: [2^n][2][L]; m: [4][2][L]; out: [2][L] = sum conj(lam) (M psi) over ctrl rows.
template <class R>
void inner_matrix1(const R* lam, const R* psi, int n, int bit, uint64_t ctrl, const R* m_in,
                   double* out) {
  const LaneCoeffs<R, 4> m(m_in);
  const int64_t s = int64_t(1) << bit;
  reduce_lanes<R>((int64_t(1) << n) >> 1, out, [&](int64_t k, R (*re)[L], R (*im)[L]) {
    const int64_t i0 = insert_zero(k, bit);
    if ((uint64_t(i0) & ctrl) != ctrl) return;
    const R* p0r = row_re(psi, i0);
    const R* p1r = row_re(psi, i0 + s);
    alignas(64) R yr[2][L], yi[2][L];
#pragma omp simd
    for (int l = 0; l < L; ++l) {
      const R x0r = p0r[l], x0i = p0r[L + l], x1r = p1r[l], x1i = p1r[L + l];
      yr[0][l] = m.re[0][l] * x0r - m.im[0][l] * x0i + m.re[1][l] * x1r - m.im[1][l] * x1i;
      yi[0][l] = m.re[0][l] * x0i + m.im[0][l] * x0r + m.re[1][l] * x1i + m.im[1][l] * x1r;
      yr[1][l] = m.re[2][l] * x0r - m.im[2][l] * x0i + m.re[3][l] * x1r - m.im[3][l] * x1i;
      yi[1][l] = m.re[2][l] * x0i + m.im[2][l] * x0r + m.re[3][l] * x1i + m.im[3][l] * x1r;
    }
    const R* l0 = row_re(lam, i0);
    const R* l1 = row_re(lam, i0 + s);
    acc_conj_mul(re[0], im[0], l0, l0 + L, yr[0], yi[0]);
    acc_conj_mul(re[0], im[0], l1, l1 + L, yr[1], yi[1]);
  });
}

// lam, psi: [2^n][2][L]; m: [16][2][L] on (bit_hi, bit_lo); out: [2][L].
template <class R>
void inner_matrix2(const R* lam, const R* psi, int n, int bit_hi, int bit_lo, const R* m_in,
                   double* out) {
  const LaneCoeffs<R, 16> m(m_in);
  const int64_t sh = int64_t(1) << bit_hi, sl = int64_t(1) << bit_lo;
  const int lo = std::min(bit_hi, bit_lo), hi = std::max(bit_hi, bit_lo);
  reduce_lanes<R>((int64_t(1) << n) >> 2, out, [&](int64_t k, R (*re)[L], R (*im)[L]) {
    const int64_t i = insert_zeros(k, lo, hi);
    const int64_t idx[4] = {i, i + sl, i + sh, i + sh + sl};
    for (int r = 0; r < 4; ++r) {
      alignas(64) R yr[L] = {}, yi[L] = {};
      for (int c = 0; c < 4; ++c) {
        const R* x = row_re(psi, idx[c]);
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          yr[l] += m.re[4 * r + c][l] * x[l] - m.im[4 * r + c][l] * x[L + l];
          yi[l] += m.re[4 * r + c][l] * x[L + l] + m.im[4 * r + c][l] * x[l];
        }
      }
      const R* a = row_re(lam, idx[r]);
      acc_conj_mul(re[0], im[0], a, a + L, yr, yi);
    }
  });
}

inline int parity(uint64_t x) { return __builtin_parityll(x); }

// psi: [2^n][2][L]; out[L] = <psi| i^ny X^x Z^z |psi>.
template <class R>
void pauli_expval(const R* psi, int n, uint64_t xmask, uint64_t zmask, int ny, double* out) {
  double acc[2 * L];
  reduce_lanes<R>(int64_t(1) << n, acc, [&](int64_t i, R (*re)[L], R (*im)[L]) {
    const int64_t j = i ^ int64_t(xmask);
    const R sign = parity(uint64_t(j) & zmask) ? R(-1) : R(1);
    const R* a = row_re(psi, i);
    const R* b = row_re(psi, j);
#pragma omp simd
    for (int l = 0; l < L; ++l) {
      re[0][l] += sign * (a[l] * b[l] + a[L + l] * b[L + l]);
      im[0][l] += sign * (a[l] * b[L + l] - a[L + l] * b[l]);
    }
  });
  // multiply by i^ny and keep the real part
  for (int l = 0; l < L; ++l) {
    const double re = acc[l], im = acc[L + l];
    switch (ny & 3) {
      case 0: out[l] = re; break;
      case 1: out[l] = -im; break;
      case 2: out[l] = -re; break;
      default: out[l] = im; break;
    }
  }
}

// lam += c * (i^ny X^x Z^z) psi; c: [L].
template <class R>
void pauli_accumulate(R* lam, const R* psi, int n, uint64_t xmask, uint64_t zmask, int ny,
                      const R* c_in) {
  alignas(64) R c[L];
  for (int l = 0; l < L; ++l) c[l] = c_in[l];
  const int64_t dim = int64_t(1) << n;
  // (P psi)_i = i^ny (-1)^{|(i^x)&z|} psi_{i^x}
  for (int64_t i = 0; i < dim; ++i) {
    const int64_t j = i ^ int64_t(xmask);
    const R sign = parity(uint64_t(j) & zmask) ? R(-1) : R(1);
    const R* b = row_re(psi, j);
    R* a = row_re(lam, i);
    // i^ny * (br + i bi): rotate by ny quarter turns
    const int q = ny & 3;
    const R* src_re = (q == 0 || q == 2) ? b : b + L;
    const R* src_im = (q == 0 || q == 2) ? b + L : b;
    const R s_re = (q == 0 || q == 3) ? sign : -sign;  // q=0: +br; 1: -bi; 2: -br; 3: +bi
    const R s_im = (q == 0 || q == 1) ? sign : -sign;  // q=0: +bi; 1: +br; 2: -bi; 3: -br
#pragma omp simd
    for (int l = 0; l < L; ++l) {
      a[l] += c[l] * s_re * src_re[l];
      a[L + l] += c[l] * s_im * src_im[l];
    }
  }
}

// psi: [2^n][2][L]; out: [count][L] = sum_i (-1)^{|i & z_j|} |psi_i|^2 (count <= 64).
template <class R>
void zstrings_expval(const R* psi, int n, const uint64_t* zmasks, int count, double* out) {
  const int64_t dim = int64_t(1) << n;
  for (int i = 0; i < count * L; ++i) out[i] = 0.0;
  alignas(64) R acc[64][L];
  for (int64_t c0 = 0; c0 < dim; c0 += kChunk) {  // R sums per chunk, double across chunks
    for (int j = 0; j < count; ++j)
      for (int l = 0; l < L; ++l) acc[j][l] = R(0);
    const int64_t end = std::min(dim, c0 + kChunk);
    for (int64_t i = c0; i < end; ++i) {
      const R* a = row_re(psi, i);
      alignas(64) R p[L];
#pragma omp simd
      for (int l = 0; l < L; ++l) p[l] = a[l] * a[l] + a[L + l] * a[L + l];
      for (int j = 0; j < count; ++j) {
        const R sign = parity(uint64_t(i) & zmasks[j]) ? R(-1) : R(1);
#pragma omp simd
        for (int l = 0; l < L; ++l) acc[j][l] += sign * p[l];
      }
    }
    for (int j = 0; j < count; ++j)
      for (int l = 0; l < L; ++l) out[j * L + l] += acc[j][l];
  }
}

// lam += sum_j c_j (-1)^{|i & z_j|} psi_i; c: [count][L].
template <class R>
void zstrings_accumulate(R* lam, const R* psi, int n, const uint64_t* zmasks, int count,
                         const R* c) {
  const int64_t dim = int64_t(1) << n;
  for (int64_t i = 0; i < dim; ++i) {
    alignas(64) R w[L] = {};
    for (int j = 0; j < count; ++j) {
      const R sign = parity(uint64_t(i) & zmasks[j]) ? R(-1) : R(1);
#pragma omp simd
      for (int l = 0; l < L; ++l) w[l] += sign * c[j * L + l];
    }
    const R* b = row_re(psi, i);
    R* a = row_re(lam, i);
#pragma omp simd
    for (int l = 0; l < L; ++l) {
      a[l] += w[l] * b[l];
      a[L + l] += w[l] * b[L + l];
    }
  }
}

// psi: [2^n][2][L] -> out: [2^n][L] |psi_i|^2.
template <class R>
void probabilities(const R* psi, int n, double* out) {
  const int64_t dim = int64_t(1) << n;
  for (int64_t i = 0; i < dim; ++i) {
    const R* a = row_re(psi, i);
    for (int l = 0; l < L; ++l)
      out[i * L + l] = double(a[l]) * a[l] + double(a[L + l]) * a[L + l];
  }
}

}  // namespace msq::sv::cpu
