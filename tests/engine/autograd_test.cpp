// The autograd engine: accumulation, graph shapes, modes, errors, custom functions.
#include "test_support.h"

using namespace msq;

TEST_CASE("gradients accumulate across backward calls and uses") {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  // x used twice in one graph (a diamond): d/dx sum(x*x + 3x) = 2x + 3
  sum(add(mul(x, x), mul(x, 3.0))).backward();
  test::check_close(x.grad(), from_vector<double>({5, 7, 9}, {3}), 0, 1e-12);
  // a second graph adds to the same .grad
  sum(x).backward();
  test::check_close(x.grad(), from_vector<double>({6, 8, 10}, {3}), 0, 1e-12);
}

TEST_CASE("a gradient that reaches two leaves is not shared between them") {
  Tensor a = ones({2}, DType::Float64).requires_grad_();
  Tensor b = ones({2}, DType::Float64).requires_grad_();
  sum(add(a, b)).backward();  // add's backward hands the same tensor to both
  sum(mul(a, 5.0)).backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{6, 6});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 1});
}

TEST_CASE("backward with an explicit gradient, and the error without one") {
  Tensor x = from_vector<double>({1, 2}, {2}).requires_grad_();
  Tensor y = mul(x, x);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("[backward] grad can be implicitly created only for scalar outputs; got shape [2]"), Error);
  y.backward(from_vector<double>({1, 10}, {2}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 40});
}

TEST_CASE("a second backward through a freed graph is a clear error; retain_graph keeps it") {
  Tensor x = from_vector<double>({1, 2}, {2}).requires_grad_();
  Tensor loss = sum(exp(x));
  loss.backward({}, /*retain_graph=*/true);
  loss.backward();
  test::check_close(x.grad(), mul(exp(x.detach()), 2.0), 1e-12, 0);
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("backward through the graph a second time"), Error);
}

TEST_CASE("no_grad records nothing; detach cuts the graph") {
  Tensor x = ones({3}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = mul(x, 2.0);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  CHECK(grad_enabled());
  Tensor z = mul(x, 2.0);
  CHECK(z.requires_grad());
  Tensor d = z.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  Tensor w = mul(d, x);  // only the x path carries a gradient
  sum(w).backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 2, 2});
}

TEST_CASE("requires_grad_ is for floating leaves only") {
  Tensor i = arange(3);
  CHECK_THROWS_WITH_AS(i.requires_grad_(), doctest::Contains("[requires_grad_] only floating tensors"), Error);
  Tensor x = ones({2}).requires_grad_();
  Tensor y = mul(x, 2.0);
  CHECK_THROWS_WITH_AS(y.requires_grad_(false), doctest::Contains("only leaf tensors"), Error);
}

TEST_CASE("backward through dtype and view changes") {
  Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
  Tensor y = x.to(DType::Float64).t().reshape({6});
  sum(mul(y, arange(6, DType::Float64))).backward();
  // y = [x00, x10, x01, x11, x02, x12] weighted by 0..5
  CHECK(x.grad().dtype() == DType::Float32);
  CHECK(x.grad().to_vector<float>() == std::vector<float>{0, 2, 4, 1, 3, 5});
}

TEST_CASE("in-place update of a tensor that requires grad is refused under grad mode") {
  Tensor x = ones({2}).requires_grad_();
  CHECK_THROWS_WITH_AS(add_(x, ones({2})), doctest::Contains("[add] in-place update of a tensor that requires grad"), Error);
  NoGradGuard guard;
  add_(x, ones({2}));
  CHECK(x.to_vector<float>() == std::vector<float>{2, 2});
}

namespace {

// y = x^3 with a hand-written backward; counts its calls.
struct Cube : Function {
  int* backward_calls;
  explicit Cube(int* calls) : backward_calls(calls) {}
  const char* name() const override { return "Cube"; }
  std::vector<Tensor> forward(FunctionCtx& ctx, const std::vector<Tensor>& in) override {
    CHECK_FALSE(grad_enabled());  // forward runs without recording
    ctx.save_for_backward({in[0]});
    return {mul(mul(in[0], in[0]), in[0]), mul(in[1], 2.0)};
  }
  std::vector<Tensor> backward(FunctionCtx& ctx, const std::vector<Tensor>& g) override {
    ++*backward_calls;
    const Tensor& x = ctx.saved()[0];
    Tensor gx = mul(g[0], mul(square(x), 3.0));
    Tensor gy = ctx.needs_input_grad()[1] ? mul(g[1], 2.0) : Tensor();
    return {gx, gy};
  }
};

}  // namespace

TEST_CASE("custom Function: forward/backward with saved tensors, two outputs") {
  int calls = 0;
  Tensor x = from_vector<double>({1, -2}, {2}).requires_grad_();
  Tensor c = from_vector<double>({5, 5}, {2});  // needs no gradient
  auto out = apply_function(std::make_shared<Cube>(&calls), {x, c});
  CHECK(out[0].to_vector<double>() == std::vector<double>{1, -8});
  CHECK(out[0].grad_fn() != nullptr);
  std::string name = out[0].grad_fn()->name();
  CHECK(name == "Cube");
  sum(mul(out[0], 2.0)).backward();  // out[1] unused: its gradient arrives as zeros
  CHECK(calls == 1);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{6, 24});
  CHECK_THROWS_WITH_AS(sum(out[0]).backward(), doctest::Contains("a second time"), Error);
}

TEST_CASE("custom Function matches finite differences") {
  int calls = 0;
  auto f = [&](const std::vector<Tensor>& in) {
    auto out = apply_function(std::make_shared<Cube>(&calls), {in[0], in[1]});
    return sum(add(mul(out[0], 0.3), square(out[1])));
  };
  manual_seed(3);
  std::vector<Tensor> xs = {randn({4}, DType::Float64), randn({4}, DType::Float64)};
  auto a = test::autograd_gradients(f, xs);
  auto n = test::numeric_gradients(f, xs);
  for (size_t i = 0; i < 2; ++i) CHECK(test::max_relative_error(a[i], n[i]) < 1e-7);
}

TEST_CASE("cross_entropy with ignore_index matches PyTorch") {
  // logits from torch.manual_seed(0); torch.randn(5, 4, dtype=float64); value from
  // torch.nn.functional.cross_entropy(x, [1, -100, 3, 2, 1], weight, label_smoothing=0.1)
  Tensor x = from_vector<double>({-2.310411800234176, -0.3732508612577643, -1.0608166785462863, 0.9995093547811761,
                                  -0.019964750907762653, 0.2102998901016947, 0.17718935139366584, -0.830510051008449,
                                  0.23871805816817063, 0.7335283685272841, -1.3218818291421377, 1.3148113651971234,
                                  -0.6870036940435463, 1.4880743158106724, -0.4484158047114511, -0.8910030351707375,
                                  0.6748575435940039, 1.0468653769814655, 0.15429517864658948, -0.7498915228391941},
                                 {5, 4});
  CrossEntropyOptions o;
  o.weight = from_vector<double>({0.5, 1.0, 2.0, 1.5}, {4});
  o.label_smoothing = 0.1;
  Tensor t = from_vector<int64_t>({1, -100, 3, 2, 1}, {5});
  CHECK(cross_entropy(x, t, o).item() == doctest::Approx(1.484491903652428).epsilon(1e-12));
  CHECK(cross_entropy(x, from_vector<int64_t>({1, 0, 3, 2, 1}, {5}), o).item() ==
        doctest::Approx(1.4942010678965667).epsilon(1e-12));
}
