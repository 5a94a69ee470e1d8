// Lane stages (lane_stages.h, apply_lane_stages in kernels/statevector.h) of complex64
// states with AVX-512. Only call where msq::cpu::simd_level() is avx512.
#pragma once

namespace msq::sv::cpu {

// psi: [2^n][2][L] float; arguments as apply_lane_stages's (both planes are always worked:
// a real stage keeps a zero imaginary plane zero).
void apply_lane_stages_avx512(float* psi, int n, int select_bit, int count,
                              const int* lane_bits, const float* coeffs, const int* perms,
                              bool real);

}  // namespace msq::sv::cpu
