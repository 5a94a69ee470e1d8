// nn layers without PyTorch: names, modes, buffers, bad input, freezing, the SE/DenseNet
// building blocks (broadcast multiply, channel concat, activations), schedulers, clipping.
#include <cmath>

#include "engine/nn/nn.h"
#include "test_support.h"

using namespace msq;
using msq::test::autograd_gradients;
using msq::test::check_close;
using msq::test::numeric_gradients;

TEST_CASE("layers name themselves and the shapes on bad input") {
  nn::Conv2d conv(3, 8, 3);
  CHECK_THROWS_WITH_AS(conv.forward(randn({3, 8, 8})),
                       "[Conv2d] expects an input [B, 3, H, W], got shape [3, 8, 8]", Error);
  CHECK_THROWS_WITH_AS(conv.forward(randn({1, 4, 8, 8})),
                       "[Conv2d] expects an input [B, 3, H, W], got shape [1, 4, 8, 8]", Error);
  CHECK_THROWS_WITH_AS(
      conv.forward(randn({1, 3, 2, 2})),
      doctest::Contains("kernel 3x3 (dilated) is larger than the padded input 2x2"), Error);
  CHECK_THROWS_WITH_AS(
      nn::Conv2d(4, 6, 3, 1, 0, 1, 4),
      doctest::Contains(
          "[Conv2d] in_channels (4) and out_channels (6) must be divisible by groups (4)"),
      Error);
  nn::BatchNorm2d bn(4);
  CHECK_THROWS_WITH_AS(bn.forward(randn({2, 3, 4, 4})),
                       "[BatchNorm2d] expects an input [B, 4, H, W], got shape [2, 3, 4, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(
      nn::MaxPool2d(2).forward(randn({3, 4, 4})),
      doctest::Contains("[MaxPool2d] expects a 4-d input [B, C, H, W], got [3, 4, 4]"), Error);
  CHECK_THROWS_WITH_AS(nn::AvgPool2d(2).forward(randn({4, 4})), doctest::Contains("[AvgPool2d]"),
                       Error);
  CHECK_THROWS_WITH_AS(nn::Linear(5, 2).forward(randn({2, 4})),
                       "[Linear] expects an input [..., 5], got shape [2, 4]", Error);
  CHECK_THROWS_WITH_AS(nn::MaxPool2d(2, 2, 0, 2), doctest::Contains("dilation"), Error);
}

TEST_CASE("Sequential names children 0, 1, ... and runs them in order") {
  manual_seed(0);
  nn::Sequential seq{std::make_shared<nn::Conv2d>(3, 4, 3, 1, 1),
                     std::make_shared<nn::BatchNorm2d>(4),
                     std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::AdaptiveAvgPool2d>(1),
                     std::make_shared<nn::Flatten>(),
                     std::make_shared<nn::Linear>(4, 2)};
  std::vector<std::string> names;
  for (auto& [n, t] : seq.state_dict()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                          "1.running_mean", "1.running_var",
                                          "1.num_batches_tracked", "5.weight", "5.bias"});
  CHECK(seq.size() == 6);
  CHECK(seq[5]->type_name() == "Linear");
  CHECK(seq.forward(randn({2, 3, 5, 5})).shape() == Shape{2, 2});
  CHECK(seq.parameter_count() == 4 * 27 + 4 + 8 + 10);
}

TEST_CASE("BatchNorm2d: buffers, num_batches_tracked, eval, momentum None, frozen eval") {
  nn::BatchNorm2d bn(3);
  Tensor x = add(mul(randn({4, 3, 5, 5}), 2.0), 3.0);
  bn.forward(x);
  bn.forward(x);
  CHECK(nn::own_tensor(bn, "num_batches_tracked").item() == 2);
  CHECK(nn::own_tensor(bn, "num_batches_tracked").dtype() == DType::Int64);
  std::vector<float> rm = nn::own_tensor(bn, "running_mean").to_vector<float>();
  // two updates with momentum 0.1 from 0: 1 - 0.9^2 = 0.19 of the way to the batch mean
  CHECK(rm[0] == doctest::Approx(0.19 * mean(x.select(1, 0)).item()).epsilon(1e-4));
  bn.eval();
  bn.forward(x);
  CHECK(nn::own_tensor(bn, "running_mean").to_vector<float>() == rm);
  CHECK(nn::own_tensor(bn, "num_batches_tracked").item() == 2);

  nn::BatchNorm2d cumulative(3, 1e-5, -1.0);  // momentum=None: a plain average of the batches
  Tensor a = full({2, 3, 2, 2}, 1.0), b = full({2, 3, 2, 2}, 3.0);
  cumulative.forward(a);
  cumulative.forward(b);
  CHECK(nn::own_tensor(cumulative, "running_mean").to_vector<float>()[0] == doctest::Approx(2.0));

  nn::Sequential net{std::make_shared<nn::Conv2d>(3, 3, 1), std::make_shared<nn::BatchNorm2d>(3)};
  net.freeze({"1"});
  net.train();
  CHECK_FALSE(net[1]->is_training());
  Tensor before = nn::own_tensor(*net[1], "running_mean").clone();
  net.forward(x);
  CHECK(nn::own_tensor(*net[1], "running_mean").to_vector<float>() == before.to_vector<float>());
  CHECK(net.parameter_count(true) == 12);
}

TEST_CASE("Dropout and StochasticDepth: train only; Identity; Flatten") {
  Tensor x = ones({16, 8});
  nn::Dropout d(0.5);
  Tensor y = d.forward(x);
  CHECK(sum(eq(y, 0.0)).item() > 0);
  d.eval();
  CHECK(d.forward(x).is_same(x));
  nn::StochasticDepth sd(0.5);
  sd.eval();
  CHECK(sd.forward(x).is_same(x));
  CHECK(nn::Identity().forward(x).is_same(x));
  CHECK(nn::Flatten().forward(ones({2, 3, 4, 5})).shape() == Shape{2, 60});
}

TEST_CASE("squeeze-and-excitation and DenseNet pieces: broadcast multiply, channel cat, gates") {
  manual_seed(5);
  Tensor x = randn({2, 4, 3, 3}, DType::Float64), s = randn({2, 4, 1, 1}, DType::Float64);
  auto check_grads = [](const std::function<Tensor(const std::vector<Tensor>&)>& f,
                        const std::vector<Tensor>& in, const std::string& what) {
    std::vector<Tensor> num = numeric_gradients(f, in), ana = autograd_gradients(f, in);
    for (size_t i = 0; i < in.size(); ++i) check_close(ana[i], num[i], 1e-6, 1e-6, what);
  };
  Tensor probe = randn({2, 4, 3, 3}, DType::Float64);
  check_grads(
      [&](const std::vector<Tensor>& v) { return sum(mul(mul(v[0], sigmoid(v[1])), probe)); },
      {x, s}, "SE multiply (sigmoid gate)");
  check_grads(
      [&](const std::vector<Tensor>& v) {
        return sum(mul(mul(silu(v[0]), hardsigmoid(v[1])), probe));
      },
      {x, s}, "SiLU and hardsigmoid");
  Tensor z = randn({2, 3, 3, 3}, DType::Float64);
  Tensor probe2 = randn({2, 7, 3, 3}, DType::Float64);
  check_grads(
      [&](const std::vector<Tensor>& v) {
        return sum(mul(cat({v[0], v[1]}, 1), probe2));
      },
      {x, z}, "channel cat");
  CHECK(mul(randn({8, 64, 14, 14}), randn({8, 64, 1, 1})).shape() == Shape{8, 64, 14, 14});
}

TEST_CASE("schedulers: step, cosine, plateau; gradient clipping") {
  Tensor p = zeros({2});
  p.requires_grad_(true);
  SGD opt({p}, SGDOptions{1.0});
  nn::StepLR step(opt, 2, 0.1);
  step.step();
  CHECK(opt.groups()[0].lr == doctest::Approx(1.0));
  step.step();
  CHECK(opt.groups()[0].lr == doctest::Approx(0.1));

  SGD opt2({p}, SGDOptions{1.0});
  nn::CosineAnnealingLR cos(opt2, 4, 0.0);
  for (int i = 0; i < 2; ++i) cos.step();
  CHECK(opt2.groups()[0].lr == doctest::Approx(0.5));
  for (int i = 0; i < 2; ++i) cos.step();
  CHECK(opt2.groups()[0].lr == doctest::Approx(0.0));

  SGD opt3({p}, SGDOptions{1.0});
  nn::PlateauOptions o;
  o.patience = 1;
  o.factor = 0.5;
  nn::ReduceLROnPlateau plateau(opt3, o);
  for (double m : {1.0, 1.0, 1.0}) plateau.step(m);
  CHECK(opt3.groups()[0].lr == doctest::Approx(0.5));

  p.set_grad(from_vector<float>({3, 4}, {2}));
  CHECK(nn::clip_grad_norm({p}, 1.0) == doctest::Approx(5.0));
  std::vector<float> g = p.grad().to_vector<float>();
  CHECK(g[0] == doctest::Approx(0.6).epsilon(1e-5));
  p.set_grad(from_vector<float>({3, -4}, {2}));
  CHECK(nn::clip_grad_norm({p}, 10.0, INFINITY) == doctest::Approx(4.0));
  CHECK(p.grad().to_vector<float>()[1] == -4.0f);  // under the limit: untouched
}
