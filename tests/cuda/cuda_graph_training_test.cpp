// CUDA-graph training (engine/train/graph_step.h, msq-train --cuda-graph) on a GPU: the same
// seed trained with graphs and eagerly gives the same losses and weights (to the kernels'
// tolerance): through the Trainer (conv, batch norm, dropout, Adam with a cosine schedule, a
// partial last batch every epoch), and step by step through GraphStep (ResNet-18 with a
// dropout head, AdamW with a learning rate changed before every step, a partial batch between
// replays). A replay that baked host values (Adam's bias correction, the learning rate, the
// dropout offsets) would drift from the eager run within a few steps. Skips without a GPU.

#include <cmath>

#include "engine/data/loader.h"
#include "engine/nn/nn.h"
#include "engine/train/graph_step.h"
#include "engine/train/trainer.h"
#include "kernels/backend.h"
#include "models/registry.h"
#include "test_support.h"
#include "toy_images.h"

using namespace msq;
using msq::testing::toy_items;
using msq::testing::toy_conv_net;

namespace {

struct Run {
  train::FitResult result;
  NamedTensorList state;
};

// 3 epochs of 50 items in batches of 8: 6 full batches and a partial one of 2 per epoch.
Run fit_toy(bool graphs) {
  manual_seed(4);
  auto model = toy_conv_net(0.2);
  model->to(Device::cuda());
  data::BatchLoader tl(toy_items(50, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader vl(toy_items(16, 2), msq::testing::toy_loader_options(false));
  train::TrainConfig c;
  c.out = test::fresh_dir("cuda-graph-training-test", graphs ? "graph" : "eager");
  c.epochs = 3;
  c.lr = 1e-2;
  c.patience = 50;
  c.image_size = 16;
  c.device = "cuda";
  c.optimizer = "adam";
  c.schedule = "cosine";
  c.cuda_graph = graphs;
  Run r;
  r.result = train::Trainer(*model, c).fit(tl, vl);
  for (const auto& [name, t] : model->state_dict()) r.state.emplace_back(name, t.cpu());
  return r;
}

bool close(double a, double b, double rtol) { return std::abs(a - b) <= rtol * (1 + std::abs(b)); }

}  // namespace

TEST_CASE("cuda graph training: the Trainer with cuda_graph matches eager training") {
  if (!test::require_cuda()) return;
  const bool deterministic = cuda_deterministic();
  set_cuda_deterministic(true);  // the same algorithms in both runs
  Run eager = fit_toy(false);
  Run graphed = fit_toy(true);
  set_cuda_deterministic(deterministic);
  REQUIRE(eager.result.history.size() == graphed.result.history.size());
  for (size_t e = 0; e < eager.result.history.size(); ++e) {
    const auto &a = eager.result.history[e], &b = graphed.result.history[e];
    CHECK_MESSAGE(close(b.train_loss, a.train_loss, 1e-4), "epoch " << e + 1 << ": graph " << b.train_loss << ", eager " << a.train_loss);
    CHECK_MESSAGE(close(b.val_loss, a.val_loss, 1e-4), "epoch " << e + 1 << ": graph " << b.val_loss << ", eager " << a.val_loss);
    CHECK(b.lr == a.lr);
  }
  REQUIRE(eager.state.size() == graphed.state.size());
  double worst = 0;
  for (size_t i = 0; i < eager.state.size(); ++i) {
    worst = std::max(worst, test::max_relative_error(graphed.state[i].second.to(DType::Float64),
                                                     eager.state[i].second.to(DType::Float64), 1e-6));
  }
  MESSAGE("worst relative state difference after 3 epochs: " << worst);
  CHECK(worst <= 1e-3);
}

TEST_CASE("cuda graph training: GraphStep equals eager steps (ResNet-18, AdamW, lr per step, dropout)") {
  if (!test::require_cuda()) return;
  const bool deterministic = cuda_deterministic();
  set_cuda_deterministic(true);
  const int64_t size = 32;
  // Batches: 4 full, one partial (3), 3 full again.
  std::vector<int64_t> sizes = {4, 4, 4, 4, 3, 4, 4, 4};
  manual_seed(5);
  std::vector<std::pair<Tensor, Tensor>> batches;
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::vector<int64_t> labels;
    for (int64_t j = 0; j < sizes[i]; ++j) labels.push_back((static_cast<int64_t>(i) + j) % 2);
    batches.emplace_back(randn({sizes[i], 3, size, size}).to(Device::cuda()),
                         from_vector<int64_t>(labels, {sizes[i]}).to(Device::cuda()));
  }
  auto run = [&](bool graphs, int64_t* replays) {
    models::ModelConfig c;
    c.architecture = "resnet18";
    c.input_height = c.input_width = size;
    c.head = "dense";
    c.dense.n_dense = 1;
    c.dense.units = 32;
    c.dense.dropout = 0.3;
    c.freezing = "none";
    manual_seed(42);
    auto model = models::build_model(c);
    model->train();
    model->to(Device::cuda());
    AdamOptions o;
    o.lr = 1e-3;
    o.weight_decay = 0.01;
    AdamW opt(model->parameters(), o);
    auto step = [&](const Tensor& x, const Tensor& y) {
      opt.zero_grad();
      Tensor logits = (*model)(x);
      Tensor loss = cross_entropy(logits, y);
      loss.backward();
      opt.step();
      return train::StepOutputs{loss.detach(), sum(eq(argmax(logits.detach(), 1), y))};
    };
    train::GraphStep g(step, opt, graphs ? backend(Device::cuda()).new_step_graph() : nullptr);
    std::vector<double> losses;
    for (size_t i = 0; i < batches.size(); ++i) {
      opt.set_lr(1e-3 * (1.0 - 0.1 * static_cast<double>(i)));  // a schedule per step
      losses.push_back(g.run(batches[i].first, batches[i].second).loss.item());
    }
    if (graphs) {
      INFO(g.plan().failure());
      CHECK(g.plan().captures() == 1);
    }
    if (replays) *replays = g.plan().replays();
    std::vector<double> weights;
    for (const auto& [name, t] : model->named_parameters()) {
      for (double v : t.cpu().to(DType::Float64).to_vector<double>()) weights.push_back(v);
    }
    return std::make_pair(losses, weights);
  };
  int64_t replays = 0;
  auto eager = run(false, nullptr);
  auto graphed = run(true, &replays);
  set_cuda_deterministic(deterministic);
  CHECK(replays == 5);  // steps 3, 4, 6, 7, 8 (step 2 is the capture's own replay)
  for (size_t i = 0; i < eager.first.size(); ++i) {
    CHECK_MESSAGE(close(graphed.first[i], eager.first[i], 1e-4),
                  "step " << i << ": graph " << graphed.first[i] << ", eager " << eager.first[i]);
  }
  REQUIRE(eager.second.size() == graphed.second.size());
  double worst = 0;
  for (size_t i = 0; i < eager.second.size(); ++i) {
    worst = std::max(worst, std::abs(graphed.second[i] - eager.second[i]) / (1e-3 + std::abs(eager.second[i])));
  }
  MESSAGE("worst relative weight difference: " << worst);
  CHECK(worst <= 1e-3);
}
