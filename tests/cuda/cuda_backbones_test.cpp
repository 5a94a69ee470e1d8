// The four backbones with the study's head on CUDA against the CPU engine: the same random
// initialisation (one seed), a small batch, training mode (batch statistics, dropout and
// stochastic depth draw the same Philox numbers on both devices); the logits, the loss and
// every parameter's gradient of the cross-entropy are compared, TF32 off. Skips without a GPU.
#include <algorithm>
#include <cmath>
#include <string>

#include "models/registry.h"
#include "test_support.h"

using namespace msq;

namespace {

struct BackboneRow {
  std::string name;
  int64_t batch, size;
  double logits_tol, grad_tol;  // max |gpu - cpu| / max |cpu| per tensor
};

// Deep networks amplify rounding differences (batch norm over small batches above all), so
// the tolerances are wider than one op's.
const BackboneRow kRows[] = {
    {"cnn", 4, 64, 1e-4, 1e-3},
    {"resnet50", 4, 64, 1e-3, 5e-3},
    {"densenet121", 4, 64, 1e-3, 5e-3},
    {"efficientnet_b3", 4, 64, 1e-3, 5e-3},
};

std::shared_ptr<models::Backbone> make(const BackboneRow& row) {
  models::ModelConfig c;
  c.architecture = row.name;
  c.input_height = c.input_width = row.size;
  c.freezing = "none";  // every parameter gets a gradient
  manual_seed(42);
  auto m = models::build_model(c);
  m->train();
  return m;
}

struct Run {
  Tensor logits, loss;
  nn::NamedTensors grads;
};

Run run(models::Backbone& model, const Tensor& x, const Tensor& y, Device device) {
  manual_seed(7);  // dropout and drop-path masks
  Run r;
  r.logits = model(x.to(device));
  r.loss = cross_entropy(r.logits, y.to(device));
  r.loss.backward();
  for (const auto& [name, p] : model.named_parameters()) {
    if (p.grad().defined()) r.grads.emplace_back(name, p.grad().cpu());
  }
  r.logits = r.logits.detach().cpu();
  r.loss = r.loss.detach().cpu();
  return r;
}

}  // namespace

TEST_CASE("cuda backbones: logits and gradients match the CPU engine") {
  if (!test::require_cuda()) return;
  const bool tf32 = cuda_conv_tf32();
  set_cuda_conv_tf32(false);
  for (const BackboneRow& row : kRows) {
    INFO(row.name);
    auto cpu_model = make(row);
    auto gpu_model = make(row);
    gpu_model->to(Device::cuda());
    manual_seed(1);
    Tensor x = randn({row.batch, 3, row.size, row.size});
    Tensor y = from_vector<int64_t>({0, 1, 1, 0}, {row.batch});
    Run c = run(*cpu_model, x, y, Device::cpu());
    Run g = run(*gpu_model, x, y, Device::cuda());
    double err = test::max_relative_error(g.logits.to(DType::Float64), c.logits.to(DType::Float64), 1e-30);
    CHECK_MESSAGE(err <= row.logits_tol, row.name << " logits: error " << err);
    err = test::max_relative_error(g.loss.to(DType::Float64), c.loss.to(DType::Float64), 1e-30);
    CHECK_MESSAGE(err <= row.logits_tol, row.name << " loss: error " << err);
    REQUIRE_MESSAGE(g.grads.size() == c.grads.size(), row.name << ": gradient count differs");
    REQUIRE(!c.grads.empty());
    // Each gradient relative to its own largest value, but never to less than 1e-4 of the
    // largest gradient anywhere (a layer whose gradients are all near zero is noise).
    double global = 0;
    for (const auto& [name, t] : c.grads) global = std::max(global, max(abs(t)).item<double>());
    double worst = 0;
    std::string worst_name;
    for (size_t i = 0; i < c.grads.size(); ++i) {
      REQUIRE(g.grads[i].first == c.grads[i].first);
      double e = test::max_relative_error(g.grads[i].second.to(DType::Float64),
                                          c.grads[i].second.to(DType::Float64), 1e-4 * global);
      if (!(e <= worst)) {
        worst = e;
        worst_name = c.grads[i].first;
      }
    }
    MESSAGE(row.name << ": logits/loss/gradients compared; worst gradient " << worst_name << " " << worst);
    CHECK_MESSAGE(worst <= row.grad_tol, row.name << " gradient of " << worst_name << ": error " << worst);
  }
  set_cuda_conv_tf32(tf32);
}
