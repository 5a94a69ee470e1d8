// CUDA graphs (kernels/step_graph.h, kernels/cuda/step_graph.cpp) on a GPU: a captured
// inference pass replays with new inputs copied into its fixed input buffer; a captured
// training step (forward, loss, backward, SGD with momentum) replayed N times gives the
// losses and weights of N eager steps, for a ResNet-18 and a DenseNet-121 at a small image
// size; a capture that reads the device from the host, or needs memory the cache lacks,
// fails cleanly and eager work goes on. Skips without a GPU.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd/grad_mode.h"
#include "engine/msq.h"
#include "kernels/backend.h"
#include "models/registry.h"
#include "test_support.h"

using namespace msq;

namespace {

std::shared_ptr<models::Backbone> make(const std::string& name, int64_t size) {
  models::ModelConfig c;
  c.architecture = name;
  c.input_height = c.input_width = size;
  c.head = "torchvision";  // no dropout: a replay reuses the captured RNG offsets
  c.freezing = "none";
  manual_seed(42);
  auto m = models::build_model(c);
  m->train();
  m->to(Device::cuda());
  return m;
}

std::unique_ptr<StepGraph> new_graph() {
  std::unique_ptr<StepGraph> g = backend(Device::cuda()).new_step_graph();
  REQUIRE(g != nullptr);
  return g;
}

// Fixed batches on the host: images [n, 3, size, size], labels int64 [n].
struct Batch {
  Tensor x, y;
};

std::vector<Batch> batches(int count, int64_t n, int64_t size) {
  manual_seed(5);
  std::vector<Batch> out;
  for (int i = 0; i < count; ++i) {
    std::vector<int64_t> labels;
    for (int64_t j = 0; j < n; ++j) labels.push_back((i + j) % 2);
    out.push_back({randn({n, 3, size, size}), from_vector<int64_t>(labels, {n})});
  }
  return out;
}

}  // namespace

TEST_CASE("cuda graph: a captured inference pass replays on new inputs") {
  if (!test::require_cuda()) return;
  auto model = make("resnet18", 32);
  model->eval();
  std::vector<Batch> data = batches(3, 4, 32);
  NoGradGuard no_grad;
  std::vector<Tensor> expected;
  for (const Batch& b : data) expected.push_back((*model)(b.x.to(Device::cuda())).cpu());

  Tensor input = data[0].x.to(Device::cuda());  // the graph's fixed input buffer
  Tensor logits;                    // allocated in the capture: the graph's output buffer
  auto forward = [&] { logits = (*model)(input); };
  auto g = new_graph();
  g->run_eager(forward);  // warm-up
  REQUIRE_MESSAGE(g->capture(forward), g->failure());
  for (size_t i = 0; i < data.size(); ++i) {
    input.copy_(data[i].x);  // host -> the fixed buffer, then replay
    g->replay();
    test::check_close(logits.cpu(), expected[i], 1e-5, 1e-5, "replayed logits");
  }
}

TEST_CASE("cuda graph: replayed training steps equal eager steps (ResNet-18, DenseNet-121)") {
  if (!test::require_cuda()) return;
  const bool deterministic = cuda_deterministic();
  set_cuda_deterministic(true);  // the same algorithms in both runs, no atomics
  for (const std::string& name : {std::string("resnet18"), std::string("densenet121")}) {
    INFO(name);
    const int steps = 5;
    std::vector<Batch> data = batches(steps, 4, 32);
    SGDOptions opt;
    opt.lr = 0.05;
    opt.momentum = 0.9;

    auto eager_model = make(name, 32);
    SGD eager_opt(eager_model->parameters(), opt);
    std::vector<double> eager_losses;
    for (const Batch& b : data) {
      Tensor loss = cross_entropy((*eager_model)(b.x.to(Device::cuda())), b.y.to(Device::cuda()));
      loss.backward();
      eager_opt.step();
      eager_opt.zero_grad();
      eager_losses.push_back(loss.item<double>());
    }

    auto model = make(name, 32);
    SGD graph_opt(model->parameters(), opt);
    Tensor input = data[0].x.to(Device::cuda()), labels = data[0].y.to(Device::cuda());
    Tensor loss;
    auto step = [&] {
      loss = cross_entropy((*model)(input), labels);
      loss.backward();
      graph_opt.step();
      graph_opt.zero_grad();
      loss = loss.detach();
    };
    auto g = new_graph();
    std::vector<double> graph_losses;
    for (int i = 0; i < steps; ++i) {
      input.copy_(data[i].x);
      labels.copy_(data[i].y);
      if (i == 0) {
        g->run_eager(step);  // warm-up: a real step, fills the cache and the SGD buffers
      } else {
        if (i == 1) REQUIRE_MESSAGE(g->capture(step), g->failure());
        g->replay();  // the capture ran nothing: its step is this replay
      }
      graph_losses.push_back(loss.item<double>());
    }
    for (int i = 0; i < steps; ++i) {
      CHECK_MESSAGE(std::abs(graph_losses[i] - eager_losses[i]) <= 1e-4 * (1 + std::abs(eager_losses[i])),
                    "step " << i << ": graph " << graph_losses[i] << ", eager " << eager_losses[i]);
    }
    auto a = eager_model->named_parameters(), b = model->named_parameters();
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, test::max_relative_error(b[i].second.cpu().to(DType::Float64),
                                                       a[i].second.cpu().to(DType::Float64), 1e-6));
    }
    MESSAGE(name << ": worst relative weight difference after " << steps << " steps " << worst);
    CHECK(worst <= 1e-4);
  }
  set_cuda_deterministic(deterministic);
}

TEST_CASE("cuda graph: a capture that syncs or needs new memory fails cleanly") {
  if (!test::require_cuda()) return;
  Tensor x = randn({64}).to(Device::cuda());
  auto g = new_graph();

  // A host read inside the capture: the legacy-stream copy invalidates it.
  double read = 0;
  CHECK_FALSE(g->capture([&] { read = sum(x * 2.0).item<double>(); }));
  CHECK_FALSE(g->captured());
  CHECK(!g->failure().empty());
  MESSAGE("host read: " << g->failure());

  // A size the cache has never seen: the allocator refuses a cudaMalloc during the capture.
  CHECK_FALSE(g->capture([&] { Tensor big = zeros({257, 1024, 1024}, TensorOptions(Device::cuda())); }));
  CHECK(g->failure().find("graph capture needs") != std::string::npos);

  // Eager work after both failures is unaffected.
  const double twice = sum(x * 2.0).item<double>();
  CHECK(std::abs(twice - 2.0 * sum(x).item<double>()) <= 1e-4 * (1 + std::abs(twice)));
}
