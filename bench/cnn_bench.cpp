// A train step (forward, cross-entropy, backward, Adam) and an inference pass at batch 8,
// 3x224x224, 2 classes, for the study's CNN and a ResNet50-sized bottleneck stack (the
// ResNet50 layout: 7x7 stem, [3, 4, 6, 3] bottlenecks, 2-class head). The PyTorch side:
// tools/nn/bench_torch.py --cnn. Run: ./build/bench/cnn_bench
#include <benchmark/benchmark.h>

#include "engine/msq.h"
#include "engine/nn/nn.h"
#include "network_loops.h"

using namespace msq;

namespace {

std::shared_ptr<nn::Module> study_cnn() {
  using namespace nn;
  return std::make_shared<Sequential>(Sequential{
      std::make_shared<Conv2d>(3, 32, 3, 1, 1), std::make_shared<ReLU>(),
      std::make_shared<MaxPool2d>(2), std::make_shared<Conv2d>(32, 64, 3, 1, 1),
      std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2), std::make_shared<Flatten>(),
      std::make_shared<Linear>(64 * 56 * 56, 128), std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.5), std::make_shared<Linear>(128, 2)});
}

// torchvision's Bottleneck (v1.5: the stride on the 3x3), names included.
class Bottleneck : public nn::Module {
 public:
  Bottleneck(int64_t in, int64_t mid, int64_t stride) {
    const int64_t out = mid * 4;
    conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(in, mid, 1, 1, 0, 1, 1, false));
    bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(mid));
    conv2_ =
        register_module("conv2", std::make_shared<nn::Conv2d>(mid, mid, 3, stride, 1, 1, 1, false));
    bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(mid));
    conv3_ = register_module("conv3", std::make_shared<nn::Conv2d>(mid, out, 1, 1, 0, 1, 1, false));
    bn3_ = register_module("bn3", std::make_shared<nn::BatchNorm2d>(out));
    if (stride != 1 || in != out) {
      down_ = register_module("downsample",
                              std::make_shared<nn::Sequential>(nn::Sequential{
                                  std::make_shared<nn::Conv2d>(in, out, 1, stride, 0, 1, 1, false),
                                  std::make_shared<nn::BatchNorm2d>(out)}));
    }
  }
  Tensor forward(const Tensor& x) override {
    // BN + ReLU fused as in models/resnet.cpp (engine/nn/fusion.h; MSQ_FUSE_ACTIVATIONS=0 unfuses).
    Tensor y = bn1_->forward_act(conv1_->forward(x), FusedAct::Relu);
    y = bn2_->forward_act(conv2_->forward(y), FusedAct::Relu);
    y = bn3_->forward(conv3_->forward(y));
    return nn::add_activation(y, down_ ? down_->forward(x) : x, FusedAct::Relu);
  }

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_, bn3_;
  std::shared_ptr<nn::Sequential> down_;
};

std::shared_ptr<nn::Module> resnet50_stack() {
  using namespace nn;
  auto net = std::make_shared<Sequential>(Sequential{
      std::make_shared<Conv2d>(3, 64, 7, 2, 3, 1, 1, false), std::make_shared<BatchNorm2d>(64),
      std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(3, 2, 1)});
  int64_t in = 64;
  const int64_t stages[4][3] = {{64, 3, 1}, {128, 4, 2}, {256, 6, 2}, {512, 3, 2}};
  for (const auto& st : stages) {
    for (int64_t i = 0; i < st[1]; ++i) {
      net->push_back(std::make_shared<Bottleneck>(in, st[0], i == 0 ? st[2] : 1));
      in = st[0] * 4;
    }
  }
  net->push_back(std::make_shared<AdaptiveAvgPool2d>(1));
  net->push_back(std::make_shared<Flatten>());
  net->push_back(std::make_shared<Linear>(in, 2));
  return net;
}

std::shared_ptr<nn::Module> make(int64_t which) {
  return which == 0 ? study_cnn() : resnet50_stack();
}
const char* kNames[] = {"study_cnn", "resnet50_stack"};

void BM_train_step(benchmark::State& state) {
  state.SetLabel(kNames[state.range(0)]);
  manual_seed(0);
  auto net = make(state.range(0));
  bench::run_train_steps(state, *net, randn({8, 3, 224, 224}));
}

void BM_inference(benchmark::State& state) {
  state.SetLabel(kNames[state.range(0)]);
  manual_seed(0);
  auto net = make(state.range(0));
  bench::run_inference(state, *net, randn({8, 3, 224, 224}));
}

void models(benchmark::internal::Benchmark* b) {
  b->Arg(0)
      ->Arg(1)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3)
      ->Repetitions(3)
      ->ReportAggregatesOnly(true);
}

}  // namespace

BENCHMARK(BM_train_step)->Apply(models);
BENCHMARK(BM_inference)->Apply(models);
BENCHMARK_MAIN();
