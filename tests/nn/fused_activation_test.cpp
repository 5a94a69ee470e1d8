// The fused ops (engine/nn/fusion.h) against the unfused composition on the CPU: batch norm +
// ReLU / SiLU (training, evaluation, without affine), bias + activation and a residual sum +
// activation (add_act), forward and the
// gradients of sum(y * r) for every input, in float64; a finite-difference check of the
// fused backward; and whole modules (a Sequential with every fusable pair, a small ResNet and
// DenseNet) with fusion on and off. tests/cuda/cuda_conv_ops_test.cpp runs the same fused
// ops on the GPU against these CPU kernels.
#include <functional>
#include <string>
#include <vector>

#include "engine/nn/nn.h"
#include "engine/ops/add_act.h"
#include "models/densenet.h"
#include "models/efficientnet.h"
#include "models/resnet.h"
#include "test_support.h"

using namespace msq;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Restores the fusion switch when a test case ends.
class FuseScope {
 public:
  explicit FuseScope(bool on) : previous_(nn::fuse_activations()) { nn::set_fuse_activations(on); }
  ~FuseScope() { nn::set_fuse_activations(previous_); }

 private:
  bool previous_;
};

std::vector<Tensor> random_inputs(const std::vector<Shape>& shapes, DType dtype) {
  std::vector<Tensor> in;
  uint64_t seed = 7;
  for (const Shape& s : shapes) {
    manual_seed(seed++);
    in.push_back(randn(s, dtype).requires_grad_(true));
  }
  return in;
}

// Output and input gradients of sum(f(in) * r).
std::vector<Tensor> run(const Fn& f, const std::vector<Shape>& shapes, DType dtype) {
  std::vector<Tensor> in = random_inputs(shapes, dtype);
  Tensor y = f(in);
  manual_seed(99);
  Tensor r = randn(y.shape(), dtype);
  sum(mul(y, r)).backward();
  std::vector<Tensor> out{y.detach()};
  for (const Tensor& t : in) out.push_back(t.grad());
  return out;
}

// float64 to 1e-12; float32 (the CPU's 8-lane SiLU path) to float rounding.
void compare(const std::string& what, const Fn& fused, const Fn& unfused, const std::vector<Shape>& shapes,
             DType dtype = DType::Float64) {
  const double tol = dtype == DType::Float64 ? 1e-12 : 2e-5;
  std::vector<Tensor> a = run(fused, shapes, dtype), b = run(unfused, shapes, dtype);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(what);
    CAPTURE(i);
    REQUIRE(a[i].defined() == b[i].defined());
    if (a[i].defined()) test::check_close(a[i], b[i], tol, tol, what);
  }
}

Tensor running(double value, int64_t c, DType dtype = DType::Float64) { return full({c}, value, dtype); }

}  // namespace

TEST_CASE("fused batch norm + activation equals batch norm then the activation") {
  for (FusedAct act : {FusedAct::Relu, FusedAct::Silu}) {
    auto unfused_act = [act](const Tensor& y) { return nn::apply_activation(y, act); };
    const std::string name = fused_act_name(act);
    compare("train " + name,
            [=](const std::vector<Tensor>& in) {
              return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5, act);
            },
            [=](const std::vector<Tensor>& in) {
              return unfused_act(batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true));
            },
            {{4, 5, 6, 3}, {5}, {5}});
    compare("eval " + name,
            [=](const std::vector<Tensor>& in) {
              return batch_norm(in[0], in[1], in[2], running(0.3, 5), running(1.7, 5), false, 0.1, 1e-5, act);
            },
            [=](const std::vector<Tensor>& in) {
              return unfused_act(batch_norm(in[0], in[1], in[2], running(0.3, 5), running(1.7, 5), false));
            },
            {{3, 5, 4, 4}, {5}, {5}});
    compare("train float32 " + name,
            [=](const std::vector<Tensor>& in) {
              return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5, act);
            },
            [=](const std::vector<Tensor>& in) {
              return unfused_act(batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true));
            },
            {{4, 5, 7, 9}, {5}, {5}}, DType::Float32);
    compare("no affine, 2-d " + name,
            [=](const std::vector<Tensor>& in) {
              return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5, act);
            },
            [=](const std::vector<Tensor>& in) {
              return unfused_act(batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true));
            },
            {{9, 6}});
  }
}

TEST_CASE("fused batch norm updates the running statistics as the unfused op") {
  Tensor x = randn({4, 3, 5, 5});
  Tensor rm1 = zeros({3}), rv1 = ones({3}), rm2 = zeros({3}), rv2 = ones({3});
  batch_norm(x, Tensor(), Tensor(), rm1, rv1, true, 0.1, 1e-5, FusedAct::Relu);
  batch_norm(x, Tensor(), Tensor(), rm2, rv2, true, 0.1);
  test::check_close(rm1, rm2, 0, 0, "running_mean");
  test::check_close(rv1, rv2, 0, 0, "running_var");
}

TEST_CASE("bias + activation equals the broadcast add then the activation") {
  for (FusedAct act : {FusedAct::None, FusedAct::Relu, FusedAct::Silu}) {
    const std::string name = fused_act_name(act);
    auto unfused = [act](const std::vector<Tensor>& in) {
      Shape bshape(size_t(in[0].dim()), 1);
      bshape[1] = in[1].size(0);
      return nn::apply_activation(add(in[0], in[1].reshape(bshape)), act);
    };
    auto fused = [act](const std::vector<Tensor>& in) { return bias_act(in[0], in[1], act); };
    compare("[B, C, H, W] " + name, fused, unfused, {{3, 4, 5, 6}, {4}});
    compare("[B, C] " + name, fused, unfused, {{7, 5}, {5}});
    compare("[B, C, H, W] float32 " + name, fused, unfused, {{3, 4, 5, 7}, {4}}, DType::Float32);
  }
}

TEST_CASE("add + activation equals the add then the activation") {
  for (FusedAct act : {FusedAct::None, FusedAct::Relu, FusedAct::Silu}) {
    const std::string name = fused_act_name(act);
    auto unfused = [act](const std::vector<Tensor>& in) { return nn::apply_activation(add(in[0], in[1]), act); };
    auto fused = [act](const std::vector<Tensor>& in) { return add_act(in[0], in[1], act); };
    compare("[B, C, H, W] " + name, fused, unfused, {{3, 4, 5, 6}, {3, 4, 5, 6}});
    compare("[B, C] " + name, fused, unfused, {{7, 5}, {7, 5}});
    // float32, more than one block (2048) and more than one thread's share, odd tail
    compare("[B, C, H, W] float32 " + name, fused, unfused, {{2, 9, 57, 65}, {2, 9, 57, 65}}, DType::Float32);
  }
  // A strided (transposed) operand is made contiguous by the front-end.
  manual_seed(5);
  Tensor a = randn({6, 7}, DType::Float64), b = randn({7, 6}, DType::Float64).transpose(0, 1);
  test::check_close(add_act(a, b, FusedAct::Relu), relu(add(a, b)), 1e-15, 1e-15, "strided");
  // One input without gradient.
  Tensor x = randn({4, 5}, DType::Float64).requires_grad_(true), c = randn({4, 5}, DType::Float64);
  sum(add_act(x, c, FusedAct::Relu)).backward();
  test::check_close(x.grad(), gt(add(x.detach(), c), 0.0).to(DType::Float64), 0, 0, "one input");
}

TEST_CASE("fused backward matches central differences") {
  for (FusedAct act : {FusedAct::Relu, FusedAct::Silu}) {
    CAPTURE(fused_act_name(act));
    manual_seed(3);
    Tensor r = randn({3, 4, 3, 3}, DType::Float64);
    Fn bn = [&](const std::vector<Tensor>& in) {
      return sum(mul(batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5, act), r));
    };
    Fn ba = [&](const std::vector<Tensor>& in) { return sum(mul(bias_act(in[0], in[1], act), r)); };
    Fn aa = [&](const std::vector<Tensor>& in) { return sum(mul(add_act(in[0], in[1], act), r)); };
    for (auto [f, shapes] : std::vector<std::pair<Fn, std::vector<Shape>>>{
             {bn, {{3, 4, 3, 3}, {4}, {4}}}, {ba, {{3, 4, 3, 3}, {4}}}, {aa, {{3, 4, 3, 3}, {3, 4, 3, 3}}}}) {
      std::vector<Tensor> in = random_inputs(shapes, DType::Float64);
      std::vector<Tensor> numeric = test::numeric_gradients(f, in);
      std::vector<Tensor> autograd = test::autograd_gradients(f, in);
      for (size_t i = 0; i < in.size(); ++i) test::check_close(autograd[i], numeric[i], 1e-5, 1e-6);
    }
  }
}

TEST_CASE("bias_act names itself on bad input") {
  CHECK_THROWS_WITH_AS(bias_act(randn({2, 3}), randn({4}), FusedAct::Relu),
                       "[bias_act] bias must be a [3] tensor of float32 on cpu, got [4] of float32", Error);
  CHECK_THROWS_WITH_AS(bias_act(randn({3}), randn({3}), FusedAct::Relu),
                       "[bias_act] expects an input [B, C, ...], got shape [3]", Error);
  CHECK_THROWS_WITH_AS(add_act(randn({2, 3}), randn({3}), FusedAct::Relu),
                       "[add_act] expects two tensors of one shape, dtype and device, got [2, 3] of "
                       "float32 on cpu and [3] of float32 on cpu",
                       Error);
}

// The same module with fusion on and off: outputs and parameter gradients agree.
void compare_module(const std::string& what, nn::Module& m, const Shape& input, bool train, double tol) {
  manual_seed(11);
  Tensor x = randn(input, DType::Float64);
  std::vector<std::vector<Tensor>> results;
  for (bool fuse : {true, false}) {
    FuseScope scope(fuse);
    m.train(train);
    for (const Tensor& p : m.parameters()) p.set_grad(Tensor());
    // The running statistics move in training: the same state for both runs.
    nn::NamedTensors state;
    for (const auto& [k, t] : m.state_dict()) state.emplace_back(k, t.detach().clone());
    Tensor y = m.forward(x);
    sum(mul(y, y)).backward();
    std::vector<Tensor> r{y.detach()};
    for (const Tensor& p : m.parameters()) r.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
    results.push_back(r);
    m.load_state_dict(state, true);
  }
  REQUIRE(results[0].size() == results[1].size());
  for (size_t i = 0; i < results[0].size(); ++i) {
    CAPTURE(what);
    CAPTURE(i);
    REQUIRE(results[0][i].defined() == results[1][i].defined());
    if (results[0][i].defined()) test::check_close(results[0][i], results[1][i], tol, tol, what);
  }
}

TEST_CASE("modules give the same results with fusion on and off") {
  SUBCASE("a Sequential with every fusable pair") {
    nn::Sequential seq{std::make_shared<nn::Conv2d>(3, 4, 3, 1, 1), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::BatchNorm2d>(4), std::make_shared<nn::SiLU>(),
                       std::make_shared<nn::Conv2d>(4, 4, 1, 1, 0, 1, 1, false), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::BatchNorm2d>(4), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(4 * 5 * 5, 6),
                       std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(6, 2)};
    seq.to(DType::Float64);
    compare_module("sequential train", seq, {2, 3, 5, 5}, true, 1e-12);
    compare_module("sequential eval", seq, {2, 3, 5, 5}, false, 1e-12);
  }
  SUBCASE("ResNet-18") {
    models::ResNet net(models::ResNetOptions{18, 3, {}});
    net.to(DType::Float64);
    compare_module("resnet18 train", net, {2, 3, 32, 32}, true, 1e-10);
    compare_module("resnet18 eval", net, {2, 3, 32, 32}, false, 1e-10);
  }
  SUBCASE("EfficientNet-B0 (BN + SiLU pairs; eval: no stochastic depth)") {
    models::EfficientNetOptions o;
    o.variant = "b0";
    o.num_classes = 3;
    models::EfficientNet net(o);
    net.to(DType::Float64);
    compare_module("efficientnet_b0 eval", net, {1, 3, 32, 32}, false, 1e-10);
  }
  SUBCASE("DenseNet-121") {
    models::DenseNet net(models::DenseNetOptions{121, 3, 0.0, {}});
    net.to(DType::Float64);
    compare_module("densenet121 eval", net, {1, 3, 32, 32}, false, 1e-10);
  }
}
