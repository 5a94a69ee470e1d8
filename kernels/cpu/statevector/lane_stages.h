// Lane blocks kept as their gates (apply_lane_stages in kernels/statevector.h): each row's
// lanes go through the stages in registers, one load and one store per row. A 2x2 stage on
// lane bit t is lane l <- a[l] x[l] + b[l] x[l ^ 2^t]; a permutation stage (CNOTs among the
// lanes, composed) lane l <- x[perm[l]]. The AVX-512 complex64 form is
// lane_stages_avx512.cpp; this portable form serves AVX2 and complex128.
#pragma once
#include <type_traits>

#include "kernels/cpu/simd_level.h"
#include "kernels/cpu/statevector/lane_stages_avx512.h"
#include "kernels/cpu/statevector/loops.h"

namespace msq::sv::cpu {

// psi: [2^n][2][L]; arguments as apply_lane_stages's. planes 1: the imaginary plane is zero
// (real coefficients keep it so): only the real plane is touched.
template <class R>
void apply_lane_stages(R* psi, int n, int select_bit, int count, const int* lane_bits,
                       const R* coeffs, const int* perms, bool real, int planes) {
  if constexpr (std::is_same_v<R, float>) {
    if (msq::cpu::simd_level() == msq::cpu::SimdLevel::avx512) {
      apply_lane_stages_avx512(psi, n, select_bit, count, lane_bits, coeffs, perms, real);
      return;
    }
  }
  const int variants = select_bit >= 0 ? 2 : 1;
  const int E = real ? 2 : 4;  // coefficient planes of a 2x2 stage
  // where each stage's data starts (variant 0): coefficient vectors, permutation entries
  int first[kMaxLaneStages];
  for (int s = 0, c = 0, p = 0; s < count; ++s) {
    first[s] = lane_bits[s] >= 0 ? c : p;
    if (lane_bits[s] >= 0) {
      c += variants * E * L;
    } else {
      p += variants * L;
    }
  }
  const bool re_only = real && planes == 1;
  for_rows(n, 0, [&](int64_t i) {
    const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
    R* xr = psi + i * 2 * L;
    R* xi = xr + L;
    alignas(64) R x[2][L], y[2][L];
    for (int l = 0; l < L; ++l) x[0][l] = xr[l], x[1][l] = re_only ? R(0) : xi[l];
    for (int s = 0; s < count; ++s) {
      const int t = lane_bits[s];
      if (t < 0) {
        const int* p = perms + first[s] + v * L;
        for (int h = 0; h < 2; ++h)
          for (int l = 0; l < L; ++l) y[h][l] = x[h][p[l]];
      } else if (real) {
        const R* a = coeffs + first[s] + v * E * L;
        const R* b = a + L;
        const int S = 1 << t;
        for (int h = 0; h < 2; ++h)
#pragma omp simd
          for (int l = 0; l < L; ++l) y[h][l] = a[l] * x[h][l] + b[l] * x[h][l ^ S];
      } else {
        const R* c = coeffs + first[s] + v * E * L;  // a re, a im, b re, b im
        const int S = 1 << t;
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          const R ar = x[0][l], ai = x[1][l], br = x[0][l ^ S], bi = x[1][l ^ S];
          y[0][l] = c[l] * ar - c[L + l] * ai + c[2 * L + l] * br - c[3 * L + l] * bi;
          y[1][l] = c[l] * ai + c[L + l] * ar + c[2 * L + l] * bi + c[3 * L + l] * br;
        }
      }
      for (int h = 0; h < 2; ++h)
        for (int l = 0; l < L; ++l) x[h][l] = y[h][l];
    }
    for (int l = 0; l < L; ++l) xr[l] = x[0][l];
    if (!re_only)
      for (int l = 0; l < L; ++l) xi[l] = x[1][l];
  });
}

}  // namespace msq::sv::cpu
