// Pair groups of complex64 states with AVX-512 (32 registers: a step's coefficients stay in
// registers across its quads). Only called where msq::cpu::simd_level() is avx512.
#pragma once
#include "kernels/cpu/statevector/group_step.h"

namespace msq::sv::cpu {

// psi: [2^n][2][L] float; the `count` steps that plan_group laid out on its G group_bits.
// real: m [count][8][L], planes 1 or 2; complex: m [count][16][L] (planes ignored).
void apply_pairs_group_avx512(float* psi, int n, int count, int G, const int* group_bits,
                              const GroupStep* steps, const float* m, bool real, int planes);

}  // namespace msq::sv::cpu
