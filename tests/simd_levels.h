// Runs a CPU kernel check once at each SIMD level (kernels/cpu/simd_level.h): AVX2, then
// AVX-512, each forced; a level this CPU lacks is reported and skipped. The automatic level
// comes back afterwards, even when the check fails.
#pragma once
#include <doctest/doctest.h>

#include <functional>

#include "kernels/cpu/simd_level.h"

namespace msq::test {

inline void at_each_simd_level(const std::function<void()>& check) {
  struct Restore {
    ~Restore() { cpu::clear_simd_level(); }
  } restore;
  for (cpu::SimdLevel level : {cpu::SimdLevel::avx2, cpu::SimdLevel::avx512}) {
    if (!cpu::cpu_supports(level)) {
      MESSAGE("this CPU has no " << cpu::simd_level_name(level) << ": skipped");
      continue;
    }
    cpu::force_simd_level(level);
    check();
  }
}

}  // namespace msq::test
