// The timed loops shared by the network benchmarks (cnn_bench, models_bench): a train step
// (forward, cross-entropy on 8 fixed labels, backward, Adam at 1e-4) and an eval-mode
// inference pass, on an input the caller makes.
#pragma once
#include <benchmark/benchmark.h>

#include "engine/msq.h"
#include "engine/nn/nn.h"

namespace msq::bench {

// x: [8, C, H, W]
inline void run_train_steps(benchmark::State& state, nn::Module& net, const Tensor& x) {
  net.train();
  Adam opt(net.trainable_parameters(), AdamOptions{1e-4});
  Tensor y = from_vector<int64_t>({0, 1, 1, 0, 1, 0, 0, 1}, {8});
  for (auto _ : state) {
    opt.zero_grad();
    Tensor loss = cross_entropy(net.forward(x), y);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.raw_data());
  }
}

// x: [B, C, H, W]
inline void run_inference(benchmark::State& state, nn::Module& net, const Tensor& x) {
  net.eval();
  NoGradGuard no_grad;
  for (auto _ : state) {
    Tensor logits = net.forward(x);
    benchmark::DoNotOptimize(logits.raw_data());
  }
}

}  // namespace msq::bench
