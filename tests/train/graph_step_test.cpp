// CUDA-graph training steps (engine/train/graph_step.h) on the CPU, through an emulated graph
// whose replay runs the captured step again. It checks what the CPU can: the batch reaches the
// fixed buffers before each graph step, the optimiser runs staged with stage() before every
// step, the random generator is rolled back after the capture and advanced after each replay
// (dropout masks equal the eager run's), the partial last batch runs eagerly, a failed capture
// falls back to eager steps with its reason; and that --cuda-graph on a CPU device fails
// clearly. What it cannot check is a real capture's baking of host values (tests/cuda/
// cuda_graph_training_test.cpp does that on a GPU).

#include <string>

#include "engine/nn/nn.h"
#include "engine/train/graph_step.h"
#include "engine/train/trainer.h"
#include "test_support.h"
#include "toy_images.h"

using namespace msq;
using msq::testing::toy_items;
using msq::testing::toy_mlp;

namespace {

// A StepGraph on the CPU: the capture keeps the work (or fails with `fail_with`) and, unlike
// a real capture, runs none of it (host code included); a replay runs it.
class EmulatedGraph final : public StepGraph {
 public:
  struct Counts {
    int eager = 0, captures = 0, replays = 0;
  };
  EmulatedGraph(Counts* counts, std::string fail_with) : counts_(counts), fail_with_(std::move(fail_with)) {}
  void run_eager(const std::function<void()>& work) override {
    ++counts_->eager;
    work();
  }
  bool capture(const std::function<void()>& work) override {
    ++counts_->captures;
    if (!fail_with_.empty()) {
      failure_ = fail_with_;
      return false;
    }
    work_ = work;
    return true;
  }
  void replay() override {
    ++counts_->replays;
    work_();
  }
  bool captured() const override { return static_cast<bool>(work_); }
  const std::string& failure() const override { return failure_; }

 private:
  Counts* counts_;
  std::string fail_with_, failure_;
  std::function<void()> work_;
};

struct Run {
  train::FitResult result;
  NamedTensorList state;
};

// 3 epochs of 50 items in batches of 8 (6 full batches and a partial one of 2 per epoch).
// graph: null for eager steps, else the emulation's failure ("" = captures succeed).
Run train_toy(const std::string& optimizer, const std::string& schedule, const std::string* graph,
              EmulatedGraph::Counts* counts) {
  manual_seed(9);
  auto model = toy_mlp(0.3);
  data::BatchLoader tl(toy_items(50, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader vl(toy_items(16, 2), msq::testing::toy_loader_options(false));
  train::TrainConfig c;
  c.out = test::fresh_dir("graph-step-test", optimizer + "-" + schedule + (graph ? "-graph" : "-eager"));
  c.epochs = 3;
  c.lr = 3e-3;
  c.l2 = 1e-4;
  c.patience = 50;
  c.image_size = 16;
  c.optimizer = optimizer;
  c.schedule = schedule;
  c.cuda_graph = graph != nullptr;
  train::Trainer trainer(*model, c);
  if (graph) {
    std::string fail_with = *graph;
    trainer.set_step_graph_factory([counts, fail_with] { return std::make_unique<EmulatedGraph>(counts, fail_with); });
  }
  Run r;
  r.result = trainer.fit(tl, vl);
  r.state = model->state_dict();
  return r;
}

void check_same(const Run& a, const Run& b) {
  REQUIRE(a.result.history.size() == b.result.history.size());
  for (size_t e = 0; e < a.result.history.size(); ++e) {
    CAPTURE(e);
    CHECK(a.result.history[e].train_loss == b.result.history[e].train_loss);
    CHECK(a.result.history[e].train_accuracy == b.result.history[e].train_accuracy);
    CHECK(a.result.history[e].val_loss == b.result.history[e].val_loss);
    CHECK(a.result.history[e].lr == b.result.history[e].lr);
  }
  REQUIRE(a.state.size() == b.state.size());
  for (size_t i = 0; i < a.state.size(); ++i) {
    CAPTURE(a.state[i].first);
    CHECK(a.state[i].second.to_vector<double>() == b.state[i].second.to_vector<double>());
  }
}

}  // namespace

TEST_CASE("graph steps (emulated) train exactly as eager steps: dropout, schedules, partial batch") {
  const std::pair<std::string, std::string> cases[] = {
      {"adam", "cosine"}, {"adamw", "step"}, {"sgd", "plateau"}};
  for (const auto& [optimizer, schedule] : cases) {
    CAPTURE(optimizer);
    CAPTURE(schedule);
    Run eager = train_toy(optimizer, schedule, nullptr, nullptr);
    EmulatedGraph::Counts counts;
    const std::string succeed;
    Run graphed = train_toy(optimizer, schedule, &succeed, &counts);
    check_same(eager, graphed);
    // Per epoch 7 batches: the first epoch warms up (1), captures (1, replayed at once),
    // replays 4 and runs the partial batch eagerly; later epochs replay 6.
    CHECK(counts.eager == 1);
    CHECK(counts.captures == 1);
    CHECK(counts.replays == 5 + 6 + 6);
  }
}

TEST_CASE("a failed capture trains on eagerly, with the same result") {
  Run eager = train_toy("adam", "cosine", nullptr, nullptr);
  EmulatedGraph::Counts counts;
  const std::string failure = "[cuda graph] emulated failure";
  Run graphed = train_toy("adam", "cosine", &failure, &counts);
  check_same(eager, graphed);
  CHECK(counts.captures == 1);  // graphs off for good after the failure
  CHECK(counts.replays == 0);
}

TEST_CASE("GraphStep: the plan's counts and a failed capture's reason") {
  Tensor w = zeros({4}, DType::Float32).requires_grad_();
  SGD opt({w}, SGDOptions{0.1});
  auto step = [&](const Tensor& x, const Tensor& y) {
    opt.zero_grad();
    Tensor loss = sum(mul(w, x.reshape({-1}).narrow(0, 0, 4)));
    loss.backward();
    opt.step();
    return train::StepOutputs{loss.detach(), sum(y)};
  };
  EmulatedGraph::Counts counts;
  train::GraphStep ok(step, opt, std::make_unique<EmulatedGraph>(&counts, ""));
  CHECK(opt.staged());
  Tensor x = ones({2, 4}), y = zeros({2}, DType::Int64);
  for (int i = 0; i < 4; ++i) ok.run(x, y);
  ok.run(ones({1, 4}), zeros({1}, DType::Int64));  // another shape: eager
  CHECK(ok.plan().captures() == 1);
  CHECK(ok.plan().replays() == 2);  // steps 3 and 4 (the capture's step replays too)
  CHECK(counts.replays == 3);
  // lr 0.1, gradient x = 1 (the first 4 entries of the batch): five steps of -0.1.
  test::check_close(w.detach(), full({4}, -0.5), 1e-6, 1e-6, "w");

  train::GraphStep failing(step, opt, std::make_unique<EmulatedGraph>(&counts, "no capture here"));
  for (int i = 0; i < 3; ++i) failing.run(x, y);
  CHECK_FALSE(failing.graphs_on());
  CHECK(failing.plan().failure() == "no capture here");
  test::check_close(w.detach(), full({4}, -0.8), 1e-6, 1e-6, "w after the failed capture");

  train::GraphStep eager(step, opt, nullptr);
  CHECK_FALSE(eager.graphs_on());
}

TEST_CASE("--cuda-graph on a CPU device fails clearly; the config field round-trips") {
  auto model = toy_mlp(0.3);
  data::BatchLoader tl(toy_items(8, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader vl(toy_items(8, 2), msq::testing::toy_loader_options(false));
  train::TrainConfig c;
  c.out = test::fresh_dir("graph-step-test", "cpu");
  c.epochs = 1;
  c.image_size = 16;
  c.cuda_graph = true;
  train::Trainer trainer(*model, c);
  CHECK_THROWS_WITH_AS(trainer.fit(tl, vl),
                       doctest::Contains("cuda_graph (--cuda-graph) needs a CUDA device; device 'cpu'"),
                       Error);
  train::TrainConfig d;
  d.update_from_json(c.to_json(), "test");
  CHECK(d.cuda_graph);
  d.update_from_json(R"({"cuda_graph": false})", "test");
  CHECK_FALSE(d.cuda_graph);
}
