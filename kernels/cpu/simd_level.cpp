#include "kernels/cpu/simd_level.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "engine/core/error.h"

namespace msq::cpu {

namespace {

// -1: automatic; otherwise the forced SimdLevel.
std::atomic<int> forced_level{-1};

SimdLevel automatic_level() {
  static const SimdLevel level = [] {
    const char* env = std::getenv("MSQ_CPU_SIMD");
    if (env && std::strcmp(env, "avx2") == 0) return SimdLevel::avx2;
    return cpu_supports(SimdLevel::avx512) ? SimdLevel::avx512 : SimdLevel::avx2;
  }();
  return level;
}

}  // namespace

bool cpu_supports(SimdLevel level) {
  if (level == SimdLevel::avx512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

SimdLevel simd_level() {
  const int f = forced_level.load(std::memory_order_relaxed);
  return f < 0 ? automatic_level() : SimdLevel(f);
}

void force_simd_level(SimdLevel level) {
  check(cpu_supports(level), "simd_level", "this CPU cannot run ", simd_level_name(level));
  forced_level.store(int(level), std::memory_order_relaxed);
}

void clear_simd_level() { forced_level.store(-1, std::memory_order_relaxed); }

const char* simd_level_name(SimdLevel level) {
  return level == SimdLevel::avx512 ? "avx512" : "avx2";
}

}  // namespace msq::cpu
