// The row-panel GEMM (kernels/cpu/gemm_row_panels*) against a float64 triple loop: row counts
// of one and several panels, column counts around the 16- and 32-wide tiles (masked tails),
// inner sizes down to 1, and a right operand and result with row strides wider than their
// rows. Skipped on a CPU without AVX-512; also checks that it refuses what it cannot run.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cpu/gemm_row_panels.h"
#include "kernels/cpu/simd_level.h"

using namespace msq;

namespace {

struct Restore {
  ~Restore() { cpu::clear_simd_level(); }
};

}  // namespace

TEST_CASE("row_panel_gemm against float64") {
  if (!cpu::cpu_supports(cpu::SimdLevel::avx512)) {
    MESSAGE("this CPU has no avx512: skipped");
    return;
  }
  Restore restore;
  cpu::force_simd_level(cpu::SimdLevel::avx512);
  std::mt19937 gen(21);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t rows : {8, 24}) {
    for (int64_t n : {1, 7, 15, 16, 17, 31, 32, 33, 48, 100}) {
      for (int64_t k : {1, 3, 64}) {
        const int64_t ldb = n + 5, ldc = n + 3;
        std::vector<float> a(size_t(rows * k)), panels(a.size()), b(size_t(k * ldb));
        for (float& x : a) x = dist(gen);
        for (float& x : b) x = dist(gen);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < k; ++j) panels[size_t(cpu::row_panel_index(r, j, k))] = a[size_t(r * k + j)];
        const float sentinel = 12345.0f;
        std::vector<float> c(size_t(rows * ldc), sentinel);
        cpu::row_panel_gemm(c.data(), ldc, panels.data(), b.data(), ldb, rows, n, k);
        const std::string where = "rows " + std::to_string(rows) + " n " + std::to_string(n) +
                                  " k " + std::to_string(k);
        int bad = 0;
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t j = 0; j < ldc; ++j) {
            const float got = c[size_t(r * ldc + j)];
            if (j >= n) {  // past the n columns: untouched
              if (got != sentinel) ++bad;
              continue;
            }
            double want = 0;
            for (int64_t i = 0; i < k; ++i) want += double(a[size_t(r * k + i)]) * b[size_t(i * ldb + j)];
            if (std::fabs(got - want) > 1e-5 * (1 + std::fabs(want))) ++bad;
          }
        }
        CHECK_MESSAGE(bad == 0, where);
      }
    }
  }
}

TEST_CASE("row_panel_gemm refuses rows that do not fill panels, and AVX2") {
  if (!cpu::cpu_supports(cpu::SimdLevel::avx512)) {
    CHECK_FALSE(cpu::row_panel_gemm_usable(8));
    return;
  }
  Restore restore;
  std::vector<float> a(12 * 4), b(4 * 16), c(12 * 16);
  CHECK(cpu::row_panel_gemm_usable(16));
  CHECK_FALSE(cpu::row_panel_gemm_usable(12));
  CHECK_THROWS_WITH_AS(cpu::row_panel_gemm(c.data(), 16, a.data(), b.data(), 16, 12, 16, 4),
                       doctest::Contains("[row_panel_gemm] needs AVX-512"), Error);
  cpu::force_simd_level(cpu::SimdLevel::avx2);
  CHECK_FALSE(cpu::row_panel_gemm_usable(16));
}
