// The pair-group kernels (apply_real_pairs_group, apply_pairs_group) against the same steps
// applied one by one with apply_real_pairs2 / apply_pairs2: random bits (up to
// kMaxGroupBits of them), random pair patterns, both precisions, one and two planes; complex64
// at both SIMD levels (the AVX-512 kernels where the CPU has them), small states and states
// large enough to fork. Groups on fewer than kMinGroupBits bits (most of the 2-5 bit ones
// here) also take the state's lowest other bits (plan_group): covered alike.
#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/cpu/simd_level.h"
#include "kernels/statevector.h"
#include "simd_levels.h"
#include "test_support.h"

using namespace msq;

namespace {

constexpr int L = sv::kLanes;

// A random pair pattern: idx [8] = in_a, in_b, out_0, out_1 of one pair, then the other.
void random_pattern(std::mt19937_64& gen, int* idx) {
  static const int splits[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}};
  const int* in = splits[gen() % 3];
  const int* out = splits[gen() % 3];
  const bool swap_in = gen() % 2, swap_out = gen() % 2, cross = gen() % 2;
  for (int p = 0; p < 2; ++p) {
    const int ip = p, op = cross ? 1 - p : p;
    idx[4 * p + 0] = in[2 * ip + (swap_in ? 1 : 0)];
    idx[4 * p + 1] = in[2 * ip + (swap_in ? 0 : 1)];
    idx[4 * p + 2] = out[2 * op + (swap_out ? 1 : 0)];
    idx[4 * p + 3] = out[2 * op + (swap_out ? 0 : 1)];
  }
}

// `trials` random groups on states of n_min .. n_min + 3 qubits.
template <class R>
void check_groups(const sv::StatevectorKernels<R>& k, double tol, int trials = 300,
                  int n_min = 6) {
  std::mt19937_64 gen(17);
  std::normal_distribution<double> nd;
  for (int trial = 0; trial < trials; ++trial) {
    const int n = n_min + int(gen() % 4);
    const int G = 2 + int(gen() % (std::min(sv::kMaxGroupBits, n) - 1));  // a group fits the state
    std::vector<int> pool(n);
    for (int b = 0; b < n; ++b) pool[b] = b;
    std::shuffle(pool.begin(), pool.end(), gen);
    pool.resize(G);
    const int count = 1 + int(gen() % sv::kMaxGroupSteps);
    std::vector<int> bits(2 * count), idx(8 * count);
    for (int s = 0; s < count; ++s) {
      const int a = int(gen() % G);
      int b = int(gen() % (G - 1));
      if (b >= a) ++b;
      bits[2 * s] = pool[a];
      bits[2 * s + 1] = pool[b];
      random_pattern(gen, &idx[8 * s]);
    }
    const bool real = trial % 2 == 0;
    const int planes = real && trial % 4 == 0 ? 1 : 2;
    const int E = real ? 8 : 16;  // coefficient vectors per step
    std::vector<R> m(size_t(count) * E * L);
    for (R& v : m) v = R(nd(gen) * 0.7);
    std::vector<R> psi(size_t(2 * L) << n);
    for (R& v : psi) v = R(nd(gen));
    if (planes == 1)
      for (int64_t i = 0; i < (int64_t(1) << n); ++i)
        for (int l = 0; l < L; ++l) psi[(i * 2 + 1) * L + l] = R(0);
    std::vector<R> want = psi, got = psi;
    for (int s = 0; s < count; ++s) {
      const R* ms = m.data() + size_t(s) * E * L;
      if (real) {
        k.apply_real_pairs2(want.data(), n, bits[2 * s], bits[2 * s + 1], &idx[8 * s], ms, planes);
      } else {
        k.apply_pairs2(want.data(), n, bits[2 * s], bits[2 * s + 1], &idx[8 * s], ms);
      }
    }
    if (real) {
      k.apply_real_pairs_group(got.data(), n, count, bits.data(), idx.data(), m.data(), planes);
    } else {
      k.apply_pairs_group(got.data(), n, count, bits.data(), idx.data(), m.data());
    }
    double worst = 0, scale = 1;  // relative to the largest value
    for (size_t i = 0; i < got.size(); ++i) {
      worst = std::max(worst, std::abs(double(got[i]) - double(want[i])));
      scale = std::max(scale, std::abs(double(want[i])));
    }
    worst /= scale;
    INFO(cpu::simd_level_name(cpu::simd_level()) << " trial " << trial << ": n " << n << ", " << count << " steps on " << G
                  << " bits, real " << real << ", planes " << planes);
    CHECK(worst < tol);
  }
}

}  // namespace

TEST_CASE("pair groups equal their steps one by one, complex128 and complex64") {
  check_groups(sv::cpu_statevector_kernels_c128(), 1e-12);
  check_groups(sv::cpu_statevector_kernels_c64(), 1e-4);
}

TEST_CASE("complex64 pair groups agree with their steps at each SIMD level") {
  msq::test::at_each_simd_level([] {
    check_groups(sv::cpu_statevector_kernels_c64(), 1e-4);
    check_groups(sv::cpu_statevector_kernels_c64(), 1e-4, 12, 15);  // forks above 2^16 rows
  });
}
