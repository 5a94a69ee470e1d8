// The four study backbones at batch 8, 3x224x224, 2 classes (docs/PERFORMANCE.md): a train
// step (forward, cross-entropy, backward, Adam) and an inference pass, built by the registry
// (models/registry.h) with the study's dense head (128 units) and no freezing. The PyTorch
// side: tools/models/bench_models_torch.py (same models, same protocol).
// Run: ./build/bench/models_bench [--benchmark_filter=resnet50]
#include <benchmark/benchmark.h>

#include "engine/msq.h"
#include "engine/nn/nn.h"
#include "models/models.h"
#include "network_loops.h"

using namespace msq;

namespace {

const char* kModels[] = {"cnn", "resnet50", "densenet121", "efficientnet_b3"};

std::shared_ptr<models::Backbone> make(int64_t which) {
  manual_seed(0);
  models::ModelConfig c;
  c.architecture = kModels[which];
  c.freezing = "none";
  return models::build_model(c);
}

void BM_train_step(benchmark::State& state) {
  state.SetLabel(kModels[state.range(0)]);
  auto net = make(state.range(0));
  bench::run_train_steps(state, *net, rand({8, 3, 224, 224}));
}

void BM_inference(benchmark::State& state) {
  state.SetLabel(kModels[state.range(0)]);
  auto net = make(state.range(0));
  bench::run_inference(state, *net, rand({8, 3, 224, 224}));
}

void all_models(benchmark::internal::Benchmark* b) {
  b->DenseRange(0, 3)->Unit(benchmark::kMillisecond)->Iterations(3)->Repetitions(3)
      ->ReportAggregatesOnly(true);
}

}  // namespace

BENCHMARK(BM_train_step)->Apply(all_models);
BENCHMARK(BM_inference)->Apply(all_models);
BENCHMARK_MAIN();
