// Which vector instruction set the hand-vectorised CPU kernels use. The library is built
// for x86-64-v3 (AVX2 + FMA); AVX-512 kernels are compiled per function (GCC's target
// pragma) and only chosen at run time on a CPU that has AVX-512F and AVX-512VL.
#pragma once

namespace msq::cpu {

enum class SimdLevel { avx2, avx512 };

// True when this CPU can run kernels built for `level`.
bool cpu_supports(SimdLevel level);

// The level in use: the best the CPU supports, lowered to AVX2 by the environment variable
// MSQ_CPU_SIMD=avx2, or whatever force_simd_level() set.
SimdLevel simd_level();

// For tests and benchmarks: pin the level (it must be supported) or go back to automatic.
void force_simd_level(SimdLevel level);
void clear_simd_level();

const char* simd_level_name(SimdLevel level);

}  // namespace msq::cpu
