// The row-panel GEMM (kernels/cpu/gemm_row_panels*) against a float64 triple loop, writing and
// accumulating: row counts of one and several panels, column counts around the 16- and
// 32-wide tiles (masked tails), inner sizes down to 1, and a right operand and result with row
// strides wider than their rows; the panel packing, plain and transposed. Skipped on a CPU
// without AVX-512; also checks that it refuses what it cannot run.
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
        for (bool accumulate : {false, true}) {
          // C starts as 0.5 * (r - j) inside the n columns and a sentinel past them.
          const float sentinel = 12345.0f;
          std::vector<float> c(size_t(rows * ldc), sentinel);
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < n; ++j) c[size_t(r * ldc + j)] = 0.5f * float(r - j);
          cpu::row_panel_gemm(c.data(), ldc, panels.data(), b.data(), ldb, rows, n, k, accumulate);
          const std::string where = "rows " + std::to_string(rows) + " n " + std::to_string(n) +
                                    " k " + std::to_string(k) + (accumulate ? " accumulate" : "");
          int bad = 0;
          for (int64_t r = 0; r < rows; ++r) {
            for (int64_t j = 0; j < ldc; ++j) {
              const float got = c[size_t(r * ldc + j)];
              if (j >= n) {  // past the n columns: untouched
                if (got != sentinel) ++bad;
                continue;
              }
              double want = accumulate ? 0.5 * double(r - j) : 0.0;
              for (int64_t i = 0; i < k; ++i) want += double(a[size_t(r * k + i)]) * b[size_t(i * ldb + j)];
              if (std::fabs(got - want) > 1e-5 * (1 + std::fabs(want))) ++bad;
            }
          }
          CHECK_MESSAGE(bad == 0, where);
        }
      }
    }
  }
}

TEST_CASE("pack_row_panels, plain and transposed") {
  const int64_t rows = 16, k = 5, lda = 7;
  std::vector<float> a(size_t(rows * lda)), at(size_t(k * (rows + 3)));
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(i);
  for (size_t i = 0; i < at.size(); ++i) at[i] = float(1000 + i);
  std::vector<float> plain(size_t(rows * k)), transposed(size_t(rows * k));
  cpu::pack_row_panels(plain.data(), a.data(), lda, rows, k, false);
  cpu::pack_row_panels(transposed.data(), at.data(), rows + 3, rows, k, true);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j) {
      CHECK(plain[size_t(cpu::row_panel_index(r, j, k))] == a[size_t(r * lda + j)]);
      CHECK(transposed[size_t(cpu::row_panel_index(r, j, k))] == at[size_t(j * (rows + 3) + r)]);
    }
  CHECK_THROWS_WITH_AS(cpu::pack_row_panels(plain.data(), a.data(), lda, 12, k, false),
                       doctest::Contains("[pack_row_panels] rows must be a multiple of 8"), Error);
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
