// conv2d forward and backward (input + weight grads) on the CPU, batch 8, on layer shapes
// from the study's backbones. The PyTorch side: tools/nn/bench_torch.py --conv.
// Run: ./build/bench/conv_bench --benchmark_min_warmup_time=0.5
#include <benchmark/benchmark.h>

#include "engine/msq.h"
#include "engine/nn/nn.h"

using namespace msq;

namespace {

struct ConvShape {
  const char* name;
  int64_t cin, cout, hw, k, stride, pad, groups;
};

// The same list, same order, as CONV_SHAPES in tools/nn/bench_torch.py.
const ConvShape kShapes[] = {
    {"3x3_64_56", 64, 64, 56, 3, 1, 1, 1},            // ResNet layer1 3x3
    {"1x1_256_64_56", 256, 64, 56, 1, 1, 0, 1},       // ResNet layer1 reduce
    {"1x1_64_256_56", 64, 256, 56, 1, 1, 0, 1},       // ResNet layer1 expand
    {"dw3x3_144_56", 144, 144, 56, 3, 1, 1, 144},     // EfficientNet depthwise
    {"dw5x5_240_28_s2", 240, 240, 56, 5, 2, 2, 240},  // strided depthwise
    {"7x7s2_3_64_224", 3, 64, 224, 7, 2, 3, 1},       // ResNet stem (strided)
    {"3x3s2_128_56", 128, 128, 56, 3, 2, 1, 1},       // ResNet layer2 strided 3x3
    {"3x3_3_32_224", 3, 32, 224, 3, 1, 1, 1},         // the study's CNN, conv1
    {"3x3_32_64_112", 32, 64, 112, 3, 1, 1, 1},       // the study's CNN, conv2
    {"3x3_128_28", 128, 128, 28, 3, 1, 1, 1},         // ResNet layer2 3x3
    {"3x3_256_14", 256, 256, 14, 3, 1, 1, 1},         // ResNet layer3 3x3
    {"3x3_512_7", 512, 512, 7, 3, 1, 1, 1},           // ResNet layer4 3x3
    {"3x3s2_256_28", 256, 256, 28, 3, 2, 1, 1},       // ResNet layer3 strided 3x3
    {"3x3s2_512_14", 512, 512, 14, 3, 2, 1, 1},       // ResNet layer4 strided 3x3
};

void BM_conv_forward(benchmark::State& state) {
  const ConvShape& s = kShapes[state.range(0)];
  state.SetLabel(s.name);
  manual_seed(0);
  NoGradGuard no_grad;
  Tensor x = randn({8, s.cin, s.hw, s.hw});
  Tensor w = randn({s.cout, s.cin / s.groups, s.k, s.k});
  Tensor b = randn({s.cout});
  for (auto _ : state) {
    Tensor y = conv2d(x, w, b, s.stride, s.pad, 1, s.groups);
    benchmark::DoNotOptimize(y.raw_data());
  }
}

void BM_conv_backward(benchmark::State& state) {
  const ConvShape& s = kShapes[state.range(0)];
  state.SetLabel(s.name);
  manual_seed(0);
  Tensor x = randn({8, s.cin, s.hw, s.hw});
  Tensor w = randn({s.cout, s.cin / s.groups, s.k, s.k});
  Tensor b = randn({s.cout});
  x.requires_grad_(true);
  w.requires_grad_(true);
  b.requires_grad_(true);
  Tensor y0;
  {
    NoGradGuard ng;
    y0 = conv2d(x, w, b, s.stride, s.pad, 1, s.groups);
  }
  Tensor gy = randn(y0.shape());
  for (auto _ : state) {
    state.PauseTiming();
    Tensor y = conv2d(x, w, b, s.stride, s.pad, 1, s.groups);
    state.ResumeTiming();
    y.backward(gy);
    benchmark::DoNotOptimize(x.grad().raw_data());
    state.PauseTiming();
    x.set_grad(Tensor());
    w.set_grad(Tensor());
    b.set_grad(Tensor());
    state.ResumeTiming();
  }
}

void all_shapes(benchmark::internal::Benchmark* b) {
  for (int64_t i = 0; i < int64_t(sizeof(kShapes) / sizeof(kShapes[0])); ++i) b->Arg(i);
  b->Unit(benchmark::kMillisecond)->Repetitions(3)->ReportAggregatesOnly(true)->MinWarmUpTime(0.3);
}

}  // namespace

BENCHMARK(BM_conv_forward)->Apply(all_shapes);
BENCHMARK(BM_conv_backward)->Apply(all_shapes);
BENCHMARK_MAIN();
