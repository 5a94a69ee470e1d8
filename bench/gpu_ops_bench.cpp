// CUDA micro-benchmarks: matmul (4096^2 float32, cuBLAS), elementwise ops on a conv-sized
// activation, softmax, softmax + cross-entropy forward and backward, a full sum.
// tools/bench/torch_gpu_ops_bench.py times PyTorch on the same workloads the same way:
//  - each timed run is bracketed by CUDA events on the default stream (so host work that
//    keeps the GPU waiting, e.g. the cross-entropy target check, counts too);
//  - inputs are fresh random tensors for every run, drawn outside the timed region;
//  - one warm-up run, then one timed run, per repetition; 15 repetitions give the median.
// Every benchmark skips with an error message when no CUDA device answers.
#include <benchmark/benchmark.h>

#include <exception>
#include <functional>

#include "engine/msq.h"
#include "device_timing.h"

#ifdef MSQ_WITH_CUDA
#include <cuda_runtime.h>
#endif

using namespace msq;
using msq::bench::time_on_device;

namespace {

// Runs `setup` (fresh inputs, untimed) then `work` (timed) once per iteration, after one
// warm-up; reports device time through manual timing.
void run(benchmark::State& state, const std::function<void()>& setup,
         const std::function<void()>& work) {
  if (!cuda_available()) {
    state.SkipWithError(("no CUDA device: " + cuda_unavailable_reason()).c_str());
    for (auto _ : state) {
    }
    return;
  }
  try {
    setup();
    work();
    cuda_synchronize();
    for (auto _ : state) {
      setup();
      cuda_synchronize();
      state.SetIterationTime(time_on_device(work) / 1e3);
    }
  } catch (const std::exception& e) {  // e.g. a CUDA error: report it, run the others
    state.SkipWithError(e.what());
  }
}

TensorOptions on_gpu() { return TensorOptions(Device::cuda()); }

void BM_cuda_matmul(benchmark::State& state) {
  int64_t n = state.range(0);
  Tensor a, b, c;
  run(state, [&] { a = randn({n, n}, on_gpu()); b = randn({n, n}, on_gpu()); },
      [&] { c = matmul(a, b); });
}

void BM_cuda_add(benchmark::State& state) {
  Tensor a, b, c;
  run(state, [&] { a = randn({16, 256, 56, 56}, on_gpu()); b = randn({16, 256, 56, 56}, on_gpu()); },
      [&] { c = add(a, b); });
}

void BM_cuda_add_broadcast(benchmark::State& state) {
  Tensor a, b, c;
  run(state, [&] { a = randn({16, 256, 56, 56}, on_gpu()); b = randn({1, 256, 1, 1}, on_gpu()); },
      [&] { c = add(a, b); });
}

void BM_cuda_relu(benchmark::State& state) {
  Tensor a, c;
  run(state, [&] { a = randn({16, 256, 56, 56}, on_gpu()); }, [&] { c = relu(a); });
}

void BM_cuda_softmax(benchmark::State& state) {
  Tensor a, c;
  run(state, [&] { a = randn({4096, 1000}, on_gpu()); }, [&] { c = softmax(a, -1); });
}

void BM_cuda_cross_entropy(benchmark::State& state) {
  int64_t batch = state.range(0), classes = state.range(1);
  Tensor logits, target;
  run(state,
      [&] {
        logits = randn({batch, classes}, on_gpu()).requires_grad_();
        target = mul(rand({batch}, on_gpu()), static_cast<double>(classes)).to(DType::Int64);
      },
      [&] {
        Tensor loss = cross_entropy(logits, target);
        loss.backward();
      });
}

void BM_cuda_sum(benchmark::State& state) {
  Tensor a, s;
  run(state, [&] { a = randn({16 << 20}, on_gpu()); }, [&] { s = sum(a); });
}

}  // namespace

// One timed run per repetition, 15 repetitions, reported as mean/median/stddev: the median
// of 15 single runs, as the PyTorch script measures.
void timed_runs(benchmark::internal::Benchmark* b) {
  b->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(15)->ReportAggregatesOnly(true);
}

// Names are the workload keys tools/bench/torch_gpu_ops_bench.py matches.
BENCHMARK(BM_cuda_matmul)->Name("matmul_4096")->Arg(4096)->Apply(timed_runs);
BENCHMARK(BM_cuda_add)->Name("add_16x256x56x56")->Apply(timed_runs);
BENCHMARK(BM_cuda_add_broadcast)->Name("add_bias_16x256x56x56")->Apply(timed_runs);
BENCHMARK(BM_cuda_relu)->Name("relu_16x256x56x56")->Apply(timed_runs);
BENCHMARK(BM_cuda_softmax)->Name("softmax_4096x1000")->Apply(timed_runs);
BENCHMARK(BM_cuda_cross_entropy)->Name("cross_entropy_fwd_bwd_4096x1000")->Args({4096, 1000})->Apply(timed_runs);
BENCHMARK(BM_cuda_sum)->Name("sum_16M")->Apply(timed_runs);

BENCHMARK_MAIN();
