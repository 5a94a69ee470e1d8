// The CPU adjoint block kernel (StatevectorKernels::adjoint_block1): one pass over the pairs
// of a bit for a whole run of one-qubit gates; each pair's four amplitudes (psi and lam)
// stay in registers while every step's gradient is accumulated and the step un-applied.
#pragma once
#include <vector>

#include "kernels/cpu/statevector/reductions.h"

namespace msq::sv::cpu {

// One pair of rows of psi (p) and lam (q), updated in place (each row: L re then L im).
template <class R>
struct PairRows {
  R* __restrict p0r; R* __restrict p0i; R* __restrict p1r; R* __restrict p1i;
  R* __restrict q0r; R* __restrict q0i; R* __restrict q1r; R* __restrict q1i;
};

// x <- M x on a pair (lane-complex M: [4][2][L]).
template <class R>
inline void mat2(const R* m, R* __restrict x0r, R* __restrict x0i, R* __restrict x1r,
                 R* __restrict x1i) {
#pragma omp simd
  for (int l = 0; l < L; ++l) {
    const R ar = x0r[l], ai = x0i[l], br = x1r[l], bi = x1i[l];
    const R* m00 = m; const R* m01 = m + 2 * L; const R* m10 = m + 4 * L; const R* m11 = m + 6 * L;
    x0r[l] = m00[l] * ar - m00[L + l] * ai + m01[l] * br - m01[L + l] * bi;
    x0i[l] = m00[l] * ai + m00[L + l] * ar + m01[l] * bi + m01[L + l] * br;
    x1r[l] = m10[l] * ar - m10[L + l] * ai + m11[l] * br - m11[L + l] * bi;
    x1i[l] = m10[l] * ai + m10[L + l] * ar + m11[l] * bi + m11[L + l] * br;
  }
}

// One step on a pair; acc: [outputs][L].
template <class R>
__attribute__((always_inline)) inline void adjoint_step(const AdjointStep<R>& st, const PairRows<R>& s, R* __restrict acc) {
  const R* c = st.coeffs;
  const R* sn = st.coeffs + L;
  switch (st.kind) {
    case StepKind::RZ:
      if (st.outputs) {  // Im(conj(q0) p0 - conj(q1) p1)
#pragma omp simd
        for (int l = 0; l < L; ++l)
          acc[l] += (s.q0r[l] * s.p0i[l] - s.q0i[l] * s.p0r[l]) -
                    (s.q1r[l] * s.p1i[l] - s.q1i[l] * s.p1r[l]);
      }
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        // RZ(-t) = diag(c + i s, c - i s)
        R a = s.p0r[l], b = s.p0i[l];
        s.p0r[l] = c[l] * a - sn[l] * b;
        s.p0i[l] = c[l] * b + sn[l] * a;
        a = s.p1r[l], b = s.p1i[l];
        s.p1r[l] = c[l] * a + sn[l] * b;
        s.p1i[l] = c[l] * b - sn[l] * a;
        a = s.q0r[l], b = s.q0i[l];
        s.q0r[l] = c[l] * a - sn[l] * b;
        s.q0i[l] = c[l] * b + sn[l] * a;
        a = s.q1r[l], b = s.q1i[l];
        s.q1r[l] = c[l] * a + sn[l] * b;
        s.q1i[l] = c[l] * b - sn[l] * a;
      }
      return;
    case StepKind::RY:
      if (st.outputs) {  // Re(conj(q1) p0) - Re(conj(q0) p1)
#pragma omp simd
        for (int l = 0; l < L; ++l)
          acc[l] += (s.q1r[l] * s.p0r[l] + s.q1i[l] * s.p0i[l]) -
                    (s.q0r[l] * s.p1r[l] + s.q0i[l] * s.p1i[l]);
      }
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        // RY(-t) = [[c, s], [-s, c]]
        const R ar = s.p0r[l], ai = s.p0i[l], br = s.p1r[l], bi = s.p1i[l];
        s.p0r[l] = c[l] * ar + sn[l] * br;
        s.p0i[l] = c[l] * ai + sn[l] * bi;
        s.p1r[l] = c[l] * br - sn[l] * ar;
        s.p1i[l] = c[l] * bi - sn[l] * ai;
        const R er = s.q0r[l], ei = s.q0i[l], fr = s.q1r[l], fi = s.q1i[l];
        s.q0r[l] = c[l] * er + sn[l] * fr;
        s.q0i[l] = c[l] * ei + sn[l] * fi;
        s.q1r[l] = c[l] * fr - sn[l] * er;
        s.q1i[l] = c[l] * fi - sn[l] * ei;
      }
      return;
    case StepKind::RX:
      if (st.outputs) {  // Im(conj(q0) p1 + conj(q1) p0)
#pragma omp simd
        for (int l = 0; l < L; ++l)
          acc[l] += (s.q0r[l] * s.p1i[l] - s.q0i[l] * s.p1r[l]) +
                    (s.q1r[l] * s.p0i[l] - s.q1i[l] * s.p0r[l]);
      }
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        // RX(-t) = [[c, i s], [i s, c]]
        const R ar = s.p0r[l], ai = s.p0i[l], br = s.p1r[l], bi = s.p1i[l];
        s.p0r[l] = c[l] * ar - sn[l] * bi;
        s.p0i[l] = c[l] * ai + sn[l] * br;
        s.p1r[l] = c[l] * br - sn[l] * ai;
        s.p1i[l] = c[l] * bi + sn[l] * ar;
        const R er = s.q0r[l], ei = s.q0i[l], fr = s.q1r[l], fi = s.q1i[l];
        s.q0r[l] = c[l] * er - sn[l] * fi;
        s.q0i[l] = c[l] * ei + sn[l] * fr;
        s.q1r[l] = c[l] * fr - sn[l] * ei;
        s.q1i[l] = c[l] * fi + sn[l] * er;
      }
      return;
    case StepKind::Phase:
      if (st.outputs) {  // -2 Im(conj(q1) p1)
#pragma omp simd
        for (int l = 0; l < L; ++l)
          acc[l] -= R(2) * (s.q1r[l] * s.p1i[l] - s.q1i[l] * s.p1r[l]);
      }
#pragma omp simd
      for (int l = 0; l < L; ++l) {
        // diag(1, c - i s)
        R a = s.p1r[l], b = s.p1i[l];
        s.p1r[l] = c[l] * a + sn[l] * b;
        s.p1i[l] = c[l] * b - sn[l] * a;
        a = s.q1r[l], b = s.q1i[l];
        s.q1r[l] = c[l] * a + sn[l] * b;
        s.q1i[l] = c[l] * b - sn[l] * a;
      }
      return;
    case StepKind::Matrix: {
      for (int q = 0; q < st.outputs; ++q) {
        const R* m = st.coeffs + (q + 1) * 8 * L;
        R* a = acc + q * L;
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          const R* m00 = m; const R* m01 = m + 2 * L; const R* m10 = m + 4 * L; const R* m11 = m + 6 * L;
          const R y0r = m00[l] * s.p0r[l] - m00[L + l] * s.p0i[l] + m01[l] * s.p1r[l] - m01[L + l] * s.p1i[l];
          const R y0i = m00[l] * s.p0i[l] + m00[L + l] * s.p0r[l] + m01[l] * s.p1i[l] + m01[L + l] * s.p1r[l];
          const R y1r = m10[l] * s.p0r[l] - m10[L + l] * s.p0i[l] + m11[l] * s.p1r[l] - m11[L + l] * s.p1i[l];
          const R y1i = m10[l] * s.p0i[l] + m10[L + l] * s.p0r[l] + m11[l] * s.p1i[l] + m11[L + l] * s.p1r[l];
          a[l] += R(2) * (s.q0r[l] * y0r + s.q0i[l] * y0i + s.q1r[l] * y1r + s.q1i[l] * y1i);
        }
      }
      mat2(st.coeffs, s.p0r, s.p0i, s.p1r, s.p1i);
      mat2(st.coeffs, s.q0r, s.q0i, s.q1r, s.q1i);
      return;
    }
  }
}

template <class R>
void block_chunk(R* psi, R* lam, int bit, uint64_t ctrl, const AdjointStep<R>* steps, int count,
                 int64_t k0, int64_t k1, double* dst);

// The threaded path of adjoint_block1 (its own function: the serial path shares nothing
// with an OpenMP region).
template <class R>
__attribute__((noinline)) void adjoint_block1_parallel(R* psi, R* lam, int bit, uint64_t ctrl,
                                                       const AdjointStep<R>* steps, int count,
                                                       int outputs, int64_t pairs, int64_t chunk,
                                                       double* out) {
  const int64_t chunks = (pairs + chunk - 1) / chunk;
#pragma omp parallel
  {
    std::vector<double> local(size_t(outputs) * L, 0.0);
#pragma omp for schedule(static)
    for (int64_t c = 0; c < chunks; ++c)
      block_chunk(psi, lam, bit, ctrl, steps, count, c * chunk, std::min(pairs, (c + 1) * chunk),
                  local.data());
#pragma omp critical(msq_sv_adjoint)
    for (int i = 0; i < outputs * L; ++i) out[i] += local[i];
  }
}

// One step over the pairs k in [k0, k1) of a chunk; acc: [outputs][L] (R).
template <class R, StepKind Kind>
void step_pairs(const AdjointStep<R>& step, R* psi, R* lam, int bit, uint64_t ctrl, int64_t k0,
                int64_t k1, R* acc_out) {
  const int64_t s = int64_t(1) << bit;
  // the coefficients in locals: no aliasing with the states
  alignas(64) R coeffs[4 * 8 * L];
  const int ncoef = Kind == StepKind::Matrix ? (1 + step.outputs) * 8 * L : 2 * L;
  for (int i = 0; i < ncoef; ++i) coeffs[i] = step.coeffs[i];
  AdjointStep<R> local = step;
  local.coeffs = coeffs;
  alignas(64) R acc[3 * L] = {};
  for (int64_t k = k0; k < k1; ++k) {
    const int64_t i0 = insert_zero(k, bit);
    if ((uint64_t(i0) & ctrl) != ctrl) continue;
    R* a0 = row_re(psi, i0);
    R* a1 = row_re(psi, i0 + s);
    R* b0 = row_re(lam, i0);
    R* b1 = row_re(lam, i0 + s);
    const PairRows<R> rows{a0, a0 + L, a1, a1 + L, b0, b0 + L, b1, b1 + L};
    local.kind = Kind;  // a constant the compiler folds into the switch
    adjoint_step(local, rows, acc);
  }
  for (int i = 0; i < step.outputs * L; ++i) acc_out[i] += acc[i];
}

// Every step over the pairs [k0, k1), adding the gradients into dst: [outputs][L].
template <class R>
void block_chunk(R* psi, R* lam, int bit, uint64_t ctrl, const AdjointStep<R>* steps, int count,
                 int64_t k0, int64_t k1, double* dst) {
  alignas(64) R acc[3 * L];
  for (int i = 0; i < count; ++i) {
    const AdjointStep<R>& st = steps[i];
    for (int j = 0; j < st.outputs * L; ++j) acc[j] = R(0);
    switch (st.kind) {
      case StepKind::RX: step_pairs<R, StepKind::RX>(st, psi, lam, bit, ctrl, k0, k1, acc); break;
      case StepKind::RY: step_pairs<R, StepKind::RY>(st, psi, lam, bit, ctrl, k0, k1, acc); break;
      case StepKind::RZ: step_pairs<R, StepKind::RZ>(st, psi, lam, bit, ctrl, k0, k1, acc); break;
      case StepKind::Phase: step_pairs<R, StepKind::Phase>(st, psi, lam, bit, ctrl, k0, k1, acc); break;
      case StepKind::Matrix: step_pairs<R, StepKind::Matrix>(st, psi, lam, bit, ctrl, k0, k1, acc); break;
    }
    for (int j = 0; j < st.outputs * L; ++j) dst[j] += acc[j];
    dst += st.outputs * L;
  }
}

// psi, lam: [2^n][2][L]; steps[count]; out: [sum outputs][L]. Every step runs over a chunk
// of pairs (both states' rows stay in cache), then the next chunk.
template <class R>
void adjoint_block1(R* psi, R* lam, int n, int bit, uint64_t ctrl, const AdjointStep<R>* steps,
                    int count, double* out) {
  int outputs = 0;
  for (int i = 0; i < count; ++i) outputs += steps[i].outputs;
  for (int i = 0; i < outputs * L; ++i) out[i] = 0.0;
  const int64_t pairs = (int64_t(1) << n) >> 1;
  constexpr int64_t chunk = 256;
  const int64_t chunks = (pairs + chunk - 1) / chunk;
  if (pairs < kParallelPairs) {
    for (int64_t c = 0; c < chunks; ++c)
      block_chunk(psi, lam, bit, ctrl, steps, count, c * chunk, std::min(pairs, (c + 1) * chunk),
                  out);
    return;
  }
  adjoint_block1_parallel(psi, lam, bit, ctrl, steps, count, outputs, pairs, chunk, out);
}

}  // namespace msq::sv::cpu
