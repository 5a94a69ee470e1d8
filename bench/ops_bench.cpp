// Engine-core micro-benchmarks on the CPU: matmul (against raw cblas_sgemm on the same
// buffers, to show the library's overhead), an elementwise op, softmax + cross-entropy
// forward and backward. Run pinned, e.g. `OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
// ./bench/ops_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true`;
// tools/bench/torch_ops_bench.py measures PyTorch on the same shapes.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "engine/msq.h"

using namespace msq;

static void BM_cblas_sgemm(benchmark::State& state) {
  int64_t n = state.range(0);
  manual_seed(1);
  Tensor a = randn({n, n}), b = randn({n, n}), c = zeros({n, n});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n,
                b.data<float>(), n, 0.0f, c.data<float>(), n);
    benchmark::DoNotOptimize(c.data<float>());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_cblas_sgemm)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

static void BM_msq_matmul(benchmark::State& state) {
  int64_t n = state.range(0);
  manual_seed(1);
  Tensor a = randn({n, n}), b = randn({n, n});
  for (auto _ : state) {
    Tensor c = matmul(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_msq_matmul)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

// linear forward + backward at a classifier-head shape: [256, 1024] x [128, 1024]^T
static void BM_msq_linear_train(benchmark::State& state) {
  manual_seed(1);
  Tensor x = randn({256, 1024});
  Tensor w = mul(randn({128, 1024}), 0.03).requires_grad_(), b = zeros({128}).requires_grad_();
  for (auto _ : state) {
    Tensor y = linear(x, w, b);
    sum(y).backward();
    w.set_grad(Tensor());
    b.set_grad(Tensor());
  }
}
BENCHMARK(BM_msq_linear_train)->Unit(benchmark::kMicrosecond);

// y = a + b on [8, 64, 56, 56] float32 (a conv-sized activation), and a broadcast bias add.
static void BM_msq_add(benchmark::State& state) {
  manual_seed(1);
  Tensor a = randn({8, 64, 56, 56}), b = randn({8, 64, 56, 56});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * a.numel() * 12);
}
BENCHMARK(BM_msq_add)->Unit(benchmark::kMicrosecond);

static void BM_msq_add_broadcast(benchmark::State& state) {
  manual_seed(1);
  Tensor a = randn({8, 64, 56, 56}), b = randn({1, 64, 1, 1});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * a.numel() * 8);
}
BENCHMARK(BM_msq_add_broadcast)->Unit(benchmark::kMicrosecond);

static void BM_msq_relu(benchmark::State& state) {
  manual_seed(1);
  Tensor a = randn({8, 64, 56, 56});
  for (auto _ : state) {
    Tensor c = relu(a);
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * a.numel() * 8);
}
BENCHMARK(BM_msq_relu)->Unit(benchmark::kMicrosecond);

// softmax + cross-entropy forward and backward, logits [batch, classes]
static void BM_msq_cross_entropy(benchmark::State& state) {
  int64_t batch = state.range(0), classes = state.range(1);
  manual_seed(1);
  Tensor logits = randn({batch, classes}).requires_grad_();
  Tensor target = mul(rand({batch}), static_cast<double>(classes)).to(DType::Int64);
  for (auto _ : state) {
    Tensor loss = cross_entropy(logits, target);
    loss.backward();
    logits.set_grad(Tensor());
  }
}
BENCHMARK(BM_msq_cross_entropy)->Args({32, 2})->Args({256, 1000})->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
