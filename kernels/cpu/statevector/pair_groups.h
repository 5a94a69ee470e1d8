// Pair steps applied in groups: a "pair step" is a 4x4 on two row bits that maps two rows of
// each quad onto two rows and the other two onto the other two (RY then a CNOT, a CNOT then
// RX, a 2x2 on one of the bits, ...: apply_real_pairs2). A run of such steps whose bits
// number at most kMaxGroupBits (a CNOT chain's front along consecutive qubits) is applied in
// one sweep over the groups of 2^G rows those G bits span: the first step reads the group's
// rows of psi, the steps in between work in a small local buffer (L1), the last writes the
// rows back. Each step walks its quads with fixed row deltas (the quad's pattern) from a
// per-quad base: no per-row index arithmetic, one read and one write of psi per group.
#pragma once
#include <type_traits>

#include "kernels/cpu/simd_level.h"
#include "kernels/cpu/statevector/group_step.h"
#include "kernels/cpu/statevector/loops.h"
#include "kernels/cpu/statevector/pair_groups_avx512.h"

namespace msq::sv::cpu {

// One quad of a real pair step: y0, y1 from (xa1, xb1); y2, y3 from (xa2, xb2), P planes.
// m: [4][2][L] (output, input). All inputs are read before any output is written (in place).
// Always inlined: a call per quad costs more than the quad (measured: 41% of the RX ring).
template <int P, class R>
[[gnu::always_inline]] inline void real_pair_quad(const R* from, const int64_t* in, R* to,
                                                  const int64_t* out, const R (*m)[2][L]) {
  const R* a1 = from + in[0];
  const R* b1 = from + in[1];
  const R* a2 = from + in[2];
  const R* b2 = from + in[3];
  R* y0 = to + out[0];
  R* y1 = to + out[1];
  R* y2 = to + out[2];
  R* y3 = to + out[3];
#pragma omp simd
  for (int l = 0; l < L; ++l) {  // each coefficient loaded once for both planes
    R xa1[P], xb1[P], xa2[P], xb2[P];
    for (int p = 0; p < P; ++p) {
      xa1[p] = a1[p * L + l], xb1[p] = b1[p * L + l];
      xa2[p] = a2[p * L + l], xb2[p] = b2[p * L + l];
    }
    const R c00 = m[0][0][l], c01 = m[0][1][l], c10 = m[1][0][l], c11 = m[1][1][l];
    const R c20 = m[2][0][l], c21 = m[2][1][l], c30 = m[3][0][l], c31 = m[3][1][l];
    for (int p = 0; p < P; ++p) {
      y0[p * L + l] = c00 * xa1[p] + c01 * xb1[p];
      y1[p * L + l] = c10 * xa1[p] + c11 * xb1[p];
      y2[p * L + l] = c20 * xa2[p] + c21 * xb2[p];
      y3[p * L + l] = c30 * xa2[p] + c31 * xb2[p];
    }
  }
}

// The same with complex coefficients: m: [4][2][2][L] (output, input, re/im).
template <class R>
[[gnu::always_inline]] inline void complex_pair_quad(const R* from, const int64_t* in, R* to,
                                                     const int64_t* out, const R (*m)[2][2][L]) {
  const R* a1 = from + in[0];
  const R* b1 = from + in[1];
  const R* a2 = from + in[2];
  const R* b2 = from + in[3];
  R* y0 = to + out[0];
  R* y1 = to + out[1];
  R* y2 = to + out[2];
  R* y3 = to + out[3];
  // y = c0 xa + c1 xb in complex arithmetic, real plane at [l], imaginary at [L + l]
  auto put = [](R* y, const R (*c)[L], R ar, R ai, R br, R bi, int l) {
    y[l] = c[0][l] * ar - c[1][l] * ai + c[2][l] * br - c[3][l] * bi;
    y[L + l] = c[0][l] * ai + c[1][l] * ar + c[2][l] * bi + c[3][l] * br;
  };
#pragma omp simd
  for (int l = 0; l < L; ++l) {
    const R a1r = a1[l], a1i = a1[L + l], b1r = b1[l], b1i = b1[L + l];
    const R a2r = a2[l], a2i = a2[L + l], b2r = b2[l], b2i = b2[L + l];
    put(y0, m[0][0], a1r, a1i, b1r, b1i, l);
    put(y1, m[1][0], a1r, a1i, b1r, b1i, l);
    put(y2, m[2][0], a2r, a2i, b2r, b2i, l);
    put(y3, m[3][0], a2r, a2i, b2r, b2i, l);
  }
}

// A group on fewer bits than this takes the lowest other bits of the state as well: its
// steps then walk more quads per group, and each step's setup (coefficient registers, the
// group's first row) is paid once per 2^kMinGroupBits rows instead of once per 4 or 8.
// Measured (a 20-qubit RY ring, folded, 1 thread): two steps on two bits cost 290 us a
// sweep against 120-130 for two steps of a 7-bit group; 6 bits against 5: RY ring alike,
// RX ring 0.100-0.104 against 0.109-0.114 ms/gate, 26 qubits 2-3% less (machine shared).
constexpr int kMinGroupBits = 6;

// The group's bits (ascending, into group_bits; returns G) and each step's quad offsets:
// step 0 reads psi rows, the last step writes them, the others read and write the buffer
// ([2^G][2][L], row j of the group at j * 2L). The steps' bits, then the lowest others of
// the state's n row bits up to kMinGroupBits in all.
inline int plan_group(int n, int count, const int* bits, const int* idx, int* group_bits,
                      GroupStep* steps) {
  uint64_t mask = 0;
  for (int k = 0; k < 2 * count; ++k) mask |= uint64_t(1) << bits[k];
  for (int b = 0; b < n && __builtin_popcountll(mask) < kMinGroupBits; ++b)
    mask |= uint64_t(1) << b;
  int G = 0;
  for (int b = 0; b < 64; ++b)
    if ((mask >> b) & 1) group_bits[G++] = b;
  auto position = [&](int bit) {
    for (int k = 0; k < G; ++k)
      if (group_bits[k] == bit) return k;
    return -1;
  };
  // offsets (in R) of group row j: in psi and in the buffer
  auto psi_offset = [&](int j) {
    int64_t o = 0;
    for (int k = 0; k < G; ++k)
      if ((j >> k) & 1) o += int64_t(1) << group_bits[k];
    return o * 2 * L;
  };
  auto buf_offset = [&](int j) { return int64_t(j) * 2 * L; };
  for (int s = 0; s < count; ++s) {
    const int hi = position(bits[2 * s]), lo = position(bits[2 * s + 1]);
    const int* id = idx + 8 * s;
    auto row_of = [&](int q) { return ((q >> 1) << hi) | ((q & 1) << lo); };  // quad row q
    const int ins[4] = {id[0], id[1], id[4], id[5]}, outs[4] = {id[2], id[3], id[6], id[7]};
    const bool from_psi = s == 0, to_psi = s == count - 1;
    for (int k = 0; k < 4; ++k) {
      steps[s].in[k] = from_psi ? psi_offset(row_of(ins[k])) : buf_offset(row_of(ins[k]));
      steps[s].out[k] = to_psi ? psi_offset(row_of(outs[k])) : buf_offset(row_of(outs[k]));
    }
    // the quads: every group row with both step bits clear
    int q = 0;
    for (int j = 0; j < (1 << G); ++j) {
      if (((j >> hi) & 1) || ((j >> lo) & 1)) continue;
      steps[s].from_base[q] = from_psi ? psi_offset(j) : buf_offset(j);
      steps[s].to_base[q] = to_psi ? psi_offset(j) : buf_offset(j);
      ++q;
    }
  }
  return G;
}

// psi: [2^n][2][L]; `count` (<= kMaxGroupSteps) pair steps in order on at most kMaxGroupBits
// bits. bits: [count][2] (bit_hi, bit_lo); idx: [count][8] (apply_real_pairs2's); m:
// [count][4][2][L] real (Real) or [count][4][2][2][L] complex; P: planes (Real only).
template <class R, bool Real, int P, int G>
void apply_pairs_group_g(R* psi, int n, int count, const int* group_bits,
                         const GroupStep* steps, const R (*m)[Real ? 8 : 16][L]) {
  constexpr int quads = 1 << (G - 2);
  auto index = [&](int64_t k) {
    for (int j = 0; j < G; ++j) k = insert_zero(k, group_bits[j]);
    return k;
  };
  const int64_t groups = (int64_t(1) << n) >> G;
  auto body = [&](int64_t k) {
    alignas(64) R buf[(1 << G) * 2 * L];
    R* rows = psi + index(k) * 2 * L;
    for (int s = 0; s < count; ++s) {
      const GroupStep& st = steps[s];
      const R* from = s == 0 ? rows : buf;
      R* to = s == count - 1 ? rows : buf;
      const int64_t in[4] = {st.in[0], st.in[1], st.in[2], st.in[3]};
      const int64_t out[4] = {st.out[0], st.out[1], st.out[2], st.out[3]};
#pragma GCC unroll 16
      for (int q = 0; q < quads; ++q) {
        if constexpr (Real) {
          real_pair_quad<P>(from + st.from_base[q], in, to + st.to_base[q], out,
                            reinterpret_cast<const R(*)[2][L]>(m[s]));
        } else {
          complex_pair_quad(from + st.from_base[q], in, to + st.to_base[q], out,
                            reinterpret_cast<const R(*)[2][2][L]>(m[s]));
        }
      }
    }
  };
  if ((groups << G) < 2 * kParallelPairs) {  // as many rows as a one-bit kernel's threshold
    for (int64_t k = 0; k < groups; ++k) body(k);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < groups; ++k) body(k);
}

template <class R, bool Real, int P>
void apply_pairs_group_t(R* psi, int n, int count, const int* bits, const int* idx,
                         const R* m_in) {
  constexpr int E = Real ? 8 : 16;  // coefficient vectors per step
  alignas(64) R m[kMaxGroupSteps][E][L];
  for (int s = 0; s < count; ++s)
    for (int e = 0; e < E; ++e)
      for (int l = 0; l < L; ++l) m[s][e][l] = m_in[(s * E + e) * L + l];
  int group_bits[kMaxGroupBits];
  GroupStep steps[kMaxGroupSteps];
  const int G = plan_group(n, count, bits, idx, group_bits, steps);
  if constexpr (std::is_same_v<R, float>) {
    if (msq::cpu::simd_level() == msq::cpu::SimdLevel::avx512) {
      apply_pairs_group_avx512(psi, n, count, G, group_bits, steps, &m[0][0][0], Real, P);
      return;
    }
  }
  switch (G) {
    case 2: apply_pairs_group_g<R, Real, P, 2>(psi, n, count, group_bits, steps, m); return;
    case 3: apply_pairs_group_g<R, Real, P, 3>(psi, n, count, group_bits, steps, m); return;
    case 4: apply_pairs_group_g<R, Real, P, 4>(psi, n, count, group_bits, steps, m); return;
    case 5: apply_pairs_group_g<R, Real, P, 5>(psi, n, count, group_bits, steps, m); return;
    case 6: apply_pairs_group_g<R, Real, P, 6>(psi, n, count, group_bits, steps, m); return;
    default: apply_pairs_group_g<R, Real, P, 7>(psi, n, count, group_bits, steps, m); return;
  }
}

// psi: [2^n][2][L]; apply_real_pairs2 with complex coefficients (RX then a CNOT, ...): half
// the arithmetic of apply_matrix2. m: [4][2][2][L] (output, input, re/im).
template <class R>
void apply_pairs2(R* psi, int n, int bit_hi, int bit_lo, const int* idx, const R* m_in) {
  alignas(64) R m[4][2][2][L];
  for (int e = 0; e < 16 * L; ++e) (&m[0][0][0][0])[e] = m_in[e];
  const int64_t sh = int64_t(1) << bit_hi, sl = int64_t(1) << bit_lo;
  const int64_t offset[4] = {0, sl, sh, sh + sl};
  int64_t in[4], out[4];
  for (int k = 0; k < 4; ++k) {
    in[k] = offset[idx[k < 2 ? k : k + 2]] * 2 * L;
    out[k] = offset[idx[k < 2 ? k + 2 : k + 4]] * 2 * L;
  }
  for_quads(n, bit_hi, bit_lo, 0, [&](int64_t i) {
    R* q = psi + i * 2 * L;
    complex_pair_quad(q, in, q, out, m);
  });
}

template <class R>
void apply_real_pairs_group(R* psi, int n, int count, const int* bits, const int* idx,
                            const R* m, int planes) {
  with_planes(planes, [&](auto P) {
    apply_pairs_group_t<R, true, decltype(P)::value>(psi, n, count, bits, idx, m);
  });
}

template <class R>
void apply_pairs_group(R* psi, int n, int count, const int* bits, const int* idx, const R* m) {
  apply_pairs_group_t<R, false, 2>(psi, n, count, bits, idx, m);
}

}  // namespace msq::sv::cpu
