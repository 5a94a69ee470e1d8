// The 8x8 lane blocks (gates.h's apply_lane_block) of complex64 states with AVX-512. Only
// called where msq::cpu::simd_level() is avx512.
#pragma once
#include <cstdint>

namespace msq::sv::cpu {

// psi: [2^n][2][L] float; arguments as apply_lane_block's.
void apply_lane_block_avx512(float* psi, int n, int select_bit, const float* m, bool real,
                             int planes);

}  // namespace msq::sv::cpu
