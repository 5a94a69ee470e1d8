// The large-state pass planner (engine/quantum/large_state.h) emulated on the host with the
// kernels' own tile math (kernels/common/sv_tile.h): the passes give the same state as the
// gates applied one by one, for random RY/RX/H/CNOT sequences and the 1000-gate benchmark
// circuit's pattern; and the planner packs that pattern into few passes.
#include <random>

#include "engine/quantum/large_state.h"
#include "test_support.h"

using namespace msq;
using namespace msq::quantum;

namespace {

using State = std::vector<sv::Cx<double>>;

void apply_direct(State& psi, const TileQueuedGate& g) {
  const uint64_t tb = uint64_t(1) << g.bit;
  for (uint64_t i = 0; i < psi.size(); ++i) {
    if (i & tb) continue;
    if (g.cnot) {
      if (i & (uint64_t(1) << g.ctrl_bit)) std::swap(psi[i], psi[i | tb]);
      continue;
    }
    sv::M2<double> m;
    for (int e = 0; e < 4; ++e) m.m[e] = sv::cx(g.m[e].real(), g.m[e].imag());
    sv::apply_m2(m, psi[i], psi[i | tb]);
  }
}

void apply_passes(State& psi, int n, const std::vector<sv::TilePass>& passes) {
  for (const sv::TilePass& p : passes) {
    const uint32_t size = 1u << p.k;
    std::vector<sv::Cx<double>> tile(size);
    for (uint64_t t = 0; t < (uint64_t(1) << (n - p.k)); ++t) {
      for (uint32_t l = 0; l < size; ++l) tile[l] = psi[sv::tile_index(p, t, l)];
      for (int g = 0; g < p.n_gates; ++g)
        for (uint32_t q = 0; q < size / 2; ++q)
          sv::apply_tile_gate_item(tile.data(), p.gates[g], q);
      for (uint32_t l = 0; l < size; ++l) psi[sv::tile_index(p, t, l)] = tile[l];
    }
  }
}

std::vector<TileQueuedGate> benchmark_pattern(int n, int count) {
  std::vector<TileQueuedGate> gates;
  while (int(gates.size()) < count) {
    for (int q = 0; q < n && int(gates.size()) < count; ++q) {
      const double c = std::cos(0.1 + q), s = std::sin(0.1 + q);
      gates.push_back({false, n - 1 - q, 0, {c, -s, s, c}});
    }
    for (int q = 0; q < n && int(gates.size()) < count; ++q)
      gates.push_back({true, n - 1 - (q + 1) % n, n - 1 - q, {0.0, 1.0, 1.0, 0.0}});
  }
  return gates;
}

}  // namespace

TEST_CASE("large state: fused tile passes equal the gates one by one") {
  std::mt19937_64 gen(21);
  std::uniform_real_distribution<double> u(-3, 3);
  for (int n : {1, 2, 5, 6, 9, 12, 14}) {
    std::vector<TileQueuedGate> gates;
    for (int i = 0; i < 150; ++i) {
      TileQueuedGate g;
      g.bit = int(gen() % n);
      if (n > 1 && gen() % 3 == 0) {
        g.cnot = true;
        do g.ctrl_bit = int(gen() % n);
        while (g.ctrl_bit == g.bit);
        g.m = {0.0, 1.0, 1.0, 0.0};
      } else {
        const double t = u(gen), c = std::cos(t / 2), s = std::sin(t / 2);
        g.m = gen() % 2 ? Mat2{c, -s, s, c} : Mat2{c, cdouble(0, -s), cdouble(0, -s), c};
      }
      gates.push_back(g);
    }
    State a(size_t(1) << n, sv::cx(0.0, 0.0));
    for (size_t i = 0; i < a.size(); ++i) a[i] = sv::cx(u(gen), u(gen));
    State b = a;
    for (const auto& g : gates) apply_direct(a, g);
    const auto passes = plan_tile_passes(gates, n);
    apply_passes(b, n, passes);
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i)
      worst = std::max(worst, std::abs(a[i].re - b[i].re) + std::abs(a[i].im - b[i].im));
    INFO("n=" << n << ", " << passes.size() << " passes");
    CHECK(worst < 1e-9);
  }
}

TEST_CASE("large state: the benchmark circuit packs into few passes") {
  for (int n : {14, 24, 28}) {
    const auto gates = benchmark_pattern(n, 1000);
    const auto passes = plan_tile_passes(gates, n);
    INFO("n=" << n << ": " << passes.size() << " passes for 1000 gates");
    MESSAGE("n=" << n << ": " << passes.size() << " passes for 1000 gates");
    CHECK(passes.size() <= 1000 / 4);
    if (n == 14) {
      State a(size_t(1) << n, sv::cx(0.0, 0.0)), b;
      a[0] = sv::cx(1.0, 0.0);
      b = a;
      for (const auto& g : gates) apply_direct(a, g);
      apply_passes(b, n, passes);
      double worst = 0;
      for (size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a[i].re - b[i].re) + std::abs(a[i].im - b[i].im));
      CHECK(worst < 1e-9);
    }
  }
}
