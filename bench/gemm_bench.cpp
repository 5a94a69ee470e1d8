// msq's row-panel GEMM (kernels/cpu/gemm_row_panels.h) against OpenBLAS's cblas_sgemm on the
// Winograd and 1x1 shapes it serves, one thread, operands in cache; the panels are packed
// once outside the loop (as the Winograd weight transform writes them), OpenBLAS packs its
// operands on every call, as it must. Reports GFLOP/s. Skipped without AVX-512.
//   ./build/bench/gemm_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/gemm_row_panels.h"

namespace {

// rows x k @ k x n: 512-channel Winograd point at 7x7 (128 tiles), 128-channel stride-2 phase
// GEMM, 64-channel 1x1 piece.
const int64_t kShapes[][3] = {{512, 128, 512}, {128, 784, 128}, {64, 256, 64}, {256, 392, 256}};

struct Operands {
  std::vector<float> a, panels, b, c;
  Operands(int64_t rows, int64_t n, int64_t k)
      : a(size_t(rows * k)), panels(a.size()), b(size_t(k * n)), c(size_t(rows * n)) {
    for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(0.37f * float(i));
    for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(0.11f * float(i));
    msq::cpu::pack_row_panels(panels.data(), a.data(), k, rows, k, false);
  }
};

void set_counters(benchmark::State& state, int64_t rows, int64_t n, int64_t k) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * rows * n * k * double(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(rows) + "x" + std::to_string(k) + " @ " + std::to_string(k) +
                 "x" + std::to_string(n));
}

void BM_row_panel_gemm(benchmark::State& state) {
  const int64_t rows = kShapes[state.range(0)][0], n = kShapes[state.range(0)][1],
                k = kShapes[state.range(0)][2];
  if (!msq::cpu::row_panel_gemm_usable(rows)) {
    state.SkipWithError("no AVX-512 on this CPU");
    return;
  }
  Operands o(rows, n, k);
  for (auto _ : state) {
    msq::cpu::row_panel_gemm(o.c.data(), n, o.panels.data(), o.b.data(), n, rows, n, k);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_counters(state, rows, n, k);
}

void BM_openblas_sgemm(benchmark::State& state) {
  const int64_t rows = kShapes[state.range(0)][0], n = kShapes[state.range(0)][1],
                k = kShapes[state.range(0)][2];
  Operands o(rows, n, k);
  openblas_set_num_threads(1);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, k, 1.0f, o.a.data(), k,
                o.b.data(), n, 0.0f, o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_counters(state, rows, n, k);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int64_t i = 0; i < int64_t(sizeof(kShapes) / sizeof(kShapes[0])); ++i) b->Arg(i);
}

}  // namespace

BENCHMARK(BM_row_panel_gemm)->Apply(shapes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_openblas_sgemm)->Apply(shapes)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
