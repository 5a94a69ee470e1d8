// The CNN ops and layers against PyTorch: references generated at test time by
// tools/nn/make_reference.py (skips when python3 or torch is absent). Inputs are float32;
// references are float64 computed from the same values.
#include <cmath>

#include "engine/nn/nn.h"
#include "reference_io.h"
#include "test_support.h"

using namespace msq;
using msq::test::check_close;
using msq::test::References;

namespace {

// Loads the references once per run; null (after a skip) when unavailable.
const References* refs() {
  static References r;
  static std::string why;
  static bool ok = msq::test::load_torch_references("make_reference.py", "nn_ops.ref", r, why);
  if (!ok) {
    msq::test::skip(why);
    return nullptr;
  }
  return &r;
}

const Tensor& at(const References& r, const std::string& key) {
  auto it = r.find(key);
  REQUIRE_MESSAGE(it != r.end(), "reference '" << key << "' missing");
  return it->second;
}

bool has(const References& r, const std::string& key) { return r.count(key) > 0; }

Tensor leaf(const Tensor& t) {
  Tensor c = t.clone();
  c.requires_grad_(true);
  return c;
}

}  // namespace

TEST_CASE("conv2d forward and gradients match PyTorch (stride, padding, dilation, groups)") {
  const References* r = refs();
  if (!r) return;
  for (int i = 0; has(*r, "conv" + std::to_string(i) + "/x"); ++i) {
    std::string k = "conv" + std::to_string(i) + "/";
    std::vector<int64_t> p = at(*r, k + "params").to_vector<int64_t>();
    Tensor x = leaf(at(*r, k + "x")), w = leaf(at(*r, k + "w"));
    Tensor b = has(*r, k + "b") ? leaf(at(*r, k + "b")) : Tensor();
    Tensor y = conv2d(x, w, b, {p[0], p[1]}, {p[2], p[3]}, {p[4], p[5]}, p[6]);
    check_close(y, at(*r, k + "y"), 1e-4, 1e-4, k + "y");
    y.backward(at(*r, k + "gy"));
    check_close(x.grad(), at(*r, k + "gx"), 1e-4, 1e-4, k + "gx");
    check_close(w.grad(), at(*r, k + "gw"), 1e-4, 1e-3, k + "gw");
    if (b.defined()) check_close(b.grad(), at(*r, k + "gb"), 1e-4, 1e-3, k + "gb");
  }
}

TEST_CASE("batch_norm train and eval match PyTorch, running statistics included") {
  const References* r = refs();
  if (!r) return;
  const double eps[] = {1e-5, 1e-5, 1e-3};
  const bool training[] = {true, false, true};
  for (int i = 0; i < 3; ++i) {
    std::string k = "bn" + std::to_string(i) + "/";
    Tensor x = leaf(at(*r, k + "x")), w = leaf(at(*r, k + "w")), b = leaf(at(*r, k + "b"));
    Tensor rm = at(*r, k + "rm").clone(), rv = at(*r, k + "rv").clone();
    Tensor y = batch_norm(x, w, b, rm, rv, training[i], 0.1, eps[i]);
    check_close(y, at(*r, k + "y"), 1e-4, 1e-4, k + "y");
    check_close(rm, at(*r, k + "rm_after"), 1e-5, 1e-6, k + "running_mean");
    check_close(rv, at(*r, k + "rv_after"), 1e-5, 1e-6, k + "running_var");
    y.backward(at(*r, k + "gy"));
    check_close(x.grad(), at(*r, k + "gx"), 1e-4, 1e-4, k + "gx");
    check_close(w.grad(), at(*r, k + "gw"), 1e-4, 1e-4, k + "gw");
    check_close(b.grad(), at(*r, k + "gb"), 1e-4, 1e-4, k + "gb");
  }
}

TEST_CASE("max, avg and adaptive pooling match PyTorch (ceil_mode, count_include_pad)") {
  const References* r = refs();
  if (!r) return;
  for (int i = 0; has(*r, "pool" + std::to_string(i) + "/x"); ++i) {
    std::string k = "pool" + std::to_string(i) + "/";
    std::vector<int64_t> p = at(*r, k + "params").to_vector<int64_t>();
    Tensor x = leaf(at(*r, k + "x"));
    Tensor y = p[0] == 0   ? max_pool2d(x, p[1], p[2], p[3], p[4] != 0)
               : p[0] == 1 ? avg_pool2d(x, p[1], p[2], p[3], p[4] != 0, p[5] != 0)
                           : adaptive_avg_pool2d(x, {p[6], p[7]});
    check_close(y, at(*r, k + "y"), 1e-5, 1e-5, k + "y");
    y.backward(at(*r, k + "gy"));
    check_close(x.grad(), at(*r, k + "gx"), 1e-5, 1e-5, k + "gx");
  }
}

namespace {

std::shared_ptr<nn::Sequential> small_net() {
  using namespace nn;
  return std::make_shared<Sequential>(
      Sequential{std::make_shared<Conv2d>(3, 8, 3, 1, 1), std::make_shared<BatchNorm2d>(8),
                 std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2),
                 std::make_shared<Conv2d>(8, 16, 3, 2, 0, 1, 2, false),
                 std::make_shared<BatchNorm2d>(16, 1e-3), std::make_shared<SiLU>(),
                 std::make_shared<Conv2d>(16, 16, 3, 1, 1, 1, 16), std::make_shared<Sigmoid>(),
                 std::make_shared<AdaptiveAvgPool2d>(1), std::make_shared<Flatten>(),
                 std::make_shared<Linear>(16, 5)});
}

}  // namespace

TEST_CASE(
    "a Sequential of layers matches torch.nn: state_dict names, outputs, gradients, buffers") {
  const References* r = refs();
  if (!r) return;
  auto net = small_net();
  nn::NamedTensors source;
  for (auto& [name, t] : *r) {
    if (name.rfind("net/init/", 0) == 0) source.emplace_back(name.substr(9), t);
  }
  nn::NamedTensors state = net->state_dict();
  REQUIRE(state.size() == source.size());
  for (auto& [name, t] : state) {
    CHECK_MESSAGE(has(*r, "net/init/" + name), "no torch key " << name);
    CHECK_MESSAGE(t.shape() == at(*r, "net/init/" + name).shape(), name);
  }
  net->load_state_dict(source);
  net->to(DType::Float64);
  net->train();
  Tensor x = at(*r, "net/x").to(DType::Float64);
  Tensor y = net->forward(x);
  check_close(y, at(*r, "net/y_train"), 1e-9, 1e-9, "train output");
  y.backward(at(*r, "net/gy").to(DType::Float64));
  for (auto& [name, p] : net->named_parameters()) {
    check_close(p.grad(), at(*r, "net/grad/" + name), 1e-8, 1e-9, "grad " + name);
  }
  for (auto& [name, t] : net->state_dict()) {
    check_close(t, at(*r, "net/after/" + name), 1e-9, 1e-9, "after " + name);
  }
  net->eval();
  check_close(net->forward(x), at(*r, "net/y_eval"), 1e-9, 1e-9, "eval output");
}

TEST_CASE("parameter init: PyTorch's bounds, seeded, counts") {
  manual_seed(11);
  auto a = small_net();
  manual_seed(11);
  auto b = small_net();
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i].second.to_vector<float>() == pb[i].second.to_vector<float>());
  }
  // Conv2d(3, 8, 3): bound 1 / sqrt(27)
  Tensor w = pa[0].second;
  CHECK(pa[0].first == "0.weight");
  double bound = 1.0 / std::sqrt(27.0);
  CHECK(max(abs(w)).item() <= bound);
  CHECK(max(abs(w)).item() > 0.8 * bound);
  CHECK(a->parameter_count() ==
        (8 * 27 + 8) + 16 + (16 * 4 * 9) + 32 + (16 * 9 + 16) + (16 * 5 + 5));
}

TEST_CASE("schedulers and clip_grad_norm match PyTorch") {
  const References* r = refs();
  if (!r) return;
  Tensor p = zeros({1});
  p.requires_grad_(true);
  {
    SGD opt({p}, SGDOptions{0.1});
    nn::StepLR s(opt, 3, 0.5);
    std::vector<double> got;
    for (int i = 0; i < 10; ++i) {
      s.step();
      got.push_back(opt.groups()[0].lr);
    }
    check_close(from_vector(got, {10}), at(*r, "sched/step"), 1e-12, 1e-15, "StepLR");
  }
  {
    SGD opt({p}, SGDOptions{0.1});
    nn::CosineAnnealingLR s(opt, 10, 0.001);
    std::vector<double> got;
    for (int i = 0; i < 10; ++i) {
      s.step();
      got.push_back(opt.groups()[0].lr);
    }
    check_close(from_vector(got, {10}), at(*r, "sched/cosine"), 1e-9, 1e-12, "CosineAnnealingLR");
  }
  {
    SGD opt({p}, SGDOptions{0.1});
    nn::PlateauOptions o;
    o.factor = 0.5;
    o.patience = 2;
    o.cooldown = 1;
    nn::ReduceLROnPlateau s(opt, o);
    std::vector<double> metrics = at(*r, "sched/plateau_metrics").to_vector<double>(), got;
    for (double m : metrics) {
      s.step(m);
      got.push_back(opt.groups()[0].lr);
    }
    check_close(from_vector(got, {int64_t(got.size())}), at(*r, "sched/plateau"), 1e-12, 1e-15,
                "ReduceLROnPlateau");
  }
  {
    Tensor a = zeros({3, 4}, DType::Float64), b = zeros({5}, DType::Float64);
    a.requires_grad_(true);
    b.requires_grad_(true);
    a.set_grad(at(*r, "clip/g0").clone());
    b.set_grad(at(*r, "clip/g1").clone());
    double norm = nn::clip_grad_norm({a, b}, 1.5);
    CHECK(norm == doctest::Approx(at(*r, "clip/norm").item()).epsilon(1e-12));
    check_close(a.grad(), at(*r, "clip/clipped0"), 1e-12, 1e-14, "clipped 0");
    check_close(b.grad(), at(*r, "clip/clipped1"), 1e-12, 1e-14, "clipped 1");
  }
}
