// The lane-block kernel (apply_lane_block: lane l <- sum_k m[v][k][l] x[l ^ k], v = the
// row's select bit) against the formula written out in double: real and complex blocks,
// one and two planes, with and without a select bit, complex ones whose every coefficient is
// real or imaginary (the AVX-512 kernel's faster form), both precisions; complex64 at each
// SIMD level (the AVX-512 kernel where the CPU has it), small states and states that fork.
// The same for lane stages (apply_lane_stages: 2x2 stages on lane bits and permutations,
// in order) against the stages applied one by one in double.
#include <algorithm>
#include <cmath>
#include <complex>
#include <random>

#include "kernels/cpu/simd_level.h"
#include "kernels/statevector.h"
#include "simd_levels.h"
#include "test_support.h"

using namespace msq;

namespace {

constexpr int L = sv::kLanes;

// One random trial's layout: real or complex coefficients, state planes, the selecting bit
// (-1: none; drawn from gen unless the trial has none or there are no bits) and the variants
// it selects between.
struct TrialLayout {
  bool real;
  int planes, select_bit, variants;
};
TrialLayout trial_layout(int trial, int n, std::mt19937_64& gen) {
  const bool real = trial % 2 == 0;
  const int planes = real && trial % 4 == 0 ? 1 : 2;
  const int select_bit = trial % 3 == 0 || n == 0 ? -1 : int(gen() % n);
  return {real, planes, select_bit, select_bit >= 0 ? 2 : 1};
}

template <class R>
void check_lane_blocks(const sv::StatevectorKernels<R>& k, double tol, int n) {
  std::mt19937_64 gen(23);
  std::normal_distribution<double> nd;
  for (int trial = 0; trial < 16; ++trial) {
    const auto [real, planes, select_bit, variants] = trial_layout(trial, n, gen);
    const int P = real ? 1 : 2;  // coefficient planes
    std::vector<R> m(size_t(variants) * L * P * L);
    for (R& v : m) v = R(nd(gen) * 0.5);
    const bool pure = !real && trial % 4 == 3;  // each coefficient real or imaginary (RX)
    for (size_t e = 0; pure && e < m.size(); e += 2 * L)
      for (int l = 0; l < L; ++l) m[e + (gen() % 2 ? 0 : L) + l] = R(0);
    std::vector<R> psi(size_t(2 * L) << n);
    for (R& v : psi) v = R(nd(gen));
    if (planes == 1)
      for (int64_t i = 0; i < (int64_t(1) << n); ++i)
        for (int l = 0; l < L; ++l) psi[(i * 2 + 1) * L + l] = R(0);
    std::vector<R> got = psi;
    k.apply_lane_block(got.data(), n, select_bit, m.data(), real, planes);
    double worst = 0;
    for (int64_t i = 0; i < (int64_t(1) << n); ++i) {
      const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
      const R* x = psi.data() + i * 2 * L;
      for (int l = 0; l < L; ++l) {
        std::complex<double> y = 0;
        for (int t = 0; t < L; ++t) {
          const R* c = m.data() + (size_t(v) * L + t) * P * L;
          const std::complex<double> ct(c[l], real ? 0.0 : double(c[L + l]));
          y += ct * std::complex<double>(x[l ^ t], x[L + (l ^ t)]);
        }
        const R* g = got.data() + i * 2 * L;
        worst = std::max(worst, std::abs(y - std::complex<double>(g[l], g[L + l])));
      }
    }
    INFO(cpu::simd_level_name(cpu::simd_level()) << " n " << n << " real " << real
                                                 << " planes " << planes << " select "
                                                 << select_bit << " pure " << pure);
    CHECK(worst < tol);
  }
}

// Random stage lists (2x2 stages on random lane bits, random permutations) against the
// stages applied in double, lane by lane.
template <class R>
void check_lane_stages(const sv::StatevectorKernels<R>& k, double tol, int n) {
  std::mt19937_64 gen(29);
  std::normal_distribution<double> nd;
  for (int trial = 0; trial < 24; ++trial) {
    const auto [real, planes, select_bit, variants] = trial_layout(trial, n, gen);
    const int count = 1 + int(gen() % sv::kMaxLaneStages);
    const int E = real ? 2 : 4;
    std::vector<int> bits(count), perms;
    std::vector<R> coeffs;
    for (int s = 0; s < count; ++s) {
      bits[s] = gen() % 4 == 0 ? -1 : int(gen() % 3);
      for (int v = 0; v < variants; ++v) {
        if (bits[s] < 0) {
          std::vector<int> p(L);
          for (int l = 0; l < L; ++l) p[l] = l;
          std::shuffle(p.begin(), p.end(), gen);
          perms.insert(perms.end(), p.begin(), p.end());
          continue;
        }
        for (int e = 0; e < E * L; ++e) coeffs.push_back(R(nd(gen) * 0.6));
      }
    }
    std::vector<R> psi(size_t(2 * L) << n);
    for (R& v : psi) v = R(nd(gen));
    if (planes == 1)
      for (int64_t i = 0; i < (int64_t(1) << n); ++i)
        for (int l = 0; l < L; ++l) psi[(i * 2 + 1) * L + l] = R(0);
    std::vector<R> got = psi;
    k.apply_lane_stages(got.data(), n, select_bit, count, bits.data(), coeffs.data(),
                        perms.data(), real, planes);
    double worst = 0, scale = 1;
    for (int64_t i = 0; i < (int64_t(1) << n); ++i) {
      const int v = select_bit >= 0 ? int((i >> select_bit) & 1) : 0;
      std::complex<double> x[L];
      for (int l = 0; l < L; ++l) x[l] = {double(psi[i * 2 * L + l]), double(psi[i * 2 * L + L + l])};
      size_t c = 0, p = 0;  // the next stage's data
      for (int s = 0; s < count; ++s) {
        std::complex<double> y[L];
        if (bits[s] < 0) {
          for (int l = 0; l < L; ++l) y[l] = x[perms[p + v * L + l]];
          p += variants * L;
        } else {
          const R* cv = coeffs.data() + c + size_t(v) * E * L;
          for (int l = 0; l < L; ++l) {
            const std::complex<double> a(cv[l], real ? 0.0 : double(cv[L + l]));
            const std::complex<double> b(cv[(real ? 1 : 2) * L + l], real ? 0.0 : double(cv[3 * L + l]));
            y[l] = a * x[l] + b * x[l ^ (1 << bits[s])];
          }
          c += size_t(variants) * E * L;
        }
        std::copy(y, y + L, x);
      }
      const R* g = got.data() + i * 2 * L;
      for (int l = 0; l < L; ++l) {
        worst = std::max(worst, std::abs(x[l] - std::complex<double>(g[l], g[L + l])));
        scale = std::max(scale, std::abs(x[l]));
      }
    }
    INFO(cpu::simd_level_name(cpu::simd_level()) << " n " << n << " real " << real << " planes "
                                                 << planes << " select " << select_bit
                                                 << " stages " << count);
    CHECK(worst / scale < tol);
  }
}

}  // namespace

TEST_CASE("lane stages equal the stages one by one") {
  check_lane_stages(sv::cpu_statevector_kernels_c128(), 1e-12, 5);
  check_lane_stages(sv::cpu_statevector_kernels_c128(), 1e-12, 16);
}

TEST_CASE("complex64 lane stages equal the stages one by one at each SIMD level") {
  msq::test::at_each_simd_level([] {
    for (int n : {0, 1, 5, 16}) check_lane_stages(sv::cpu_statevector_kernels_c64(), 1e-4, n);
  });
}

TEST_CASE("lane blocks equal their formula, complex128") {
  check_lane_blocks(sv::cpu_statevector_kernels_c128(), 1e-12, 5);
  check_lane_blocks(sv::cpu_statevector_kernels_c128(), 1e-12, 16);
}

TEST_CASE("complex64 lane blocks equal their formula at each SIMD level") {
  msq::test::at_each_simd_level([] {
    check_lane_blocks(sv::cpu_statevector_kernels_c64(), 1e-4, 5);
    check_lane_blocks(sv::cpu_statevector_kernels_c64(), 1e-4, 16);  // forks
  });
}
