// The quantum layer in autograd: forward and gradients against the simulator and central
// differences, seeded initialisation, and a tiny hybrid model that learns a toy problem.
#include <random>

#include "engine/quantum/quantum.h"
#include "test_support.h"

using namespace msq;
using namespace msq::quantum;

TEST_CASE("QuantumLayer: weights are one parameter, uniform in [0, 2 pi), seeded") {
  manual_seed(123);
  QuantumLayer a(qefficient_circuit(4, 3), {DiffMethod::Adjoint, {}, {3, 4, 3}});
  manual_seed(123);
  QuantumLayer b(qefficient_circuit(4, 3), {DiffMethod::Adjoint, {}, {3, 4, 3}});
  const auto named = a.named_parameters();
  REQUIRE(named.size() == 1);
  CHECK(named[0].first == "weights");
  CHECK(named[0].second.shape() == Shape{3, 4, 3});
  CHECK(named[0].second.requires_grad());
  const auto wa = a.weights().to_vector<double>(), wb = b.weights().to_vector<double>();
  CHECK(wa == wb);
  for (double v : wa) {
    CHECK(v >= 0.0);
    CHECK(v < 2 * M_PI);
  }
  CHECK_THROWS_AS(QuantumLayer(qefficient_circuit(4, 3), {DiffMethod::Adjoint, {}, {5}}), Error);
}

TEST_CASE("QuantumLayer: forward and backward match the simulator and finite differences") {
  for (DiffMethod m : {DiffMethod::Adjoint, DiffMethod::ParameterShift}) {
    manual_seed(7);
    LayerOptions opt;
    opt.method = m;
    opt.sim.precision = Precision::Complex128;
    QuantumLayer layer(qefficient_circuit(3, 2), opt);
    layer.weights() = layer.weights().detach().to(DType::Float64).requires_grad_();
    Tensor x = uniform({5, 3}, 0.0, M_PI, DType::Float64).requires_grad_();
    Tensor y = layer(x);
    CHECK(y.shape() == Shape{5, 3});
    Batch b{5, x.to_vector<double>(), layer.weights().to_vector<double>()};
    test::check_close(y, from_vector(expectation_values(layer.circuit(), b, opt.sim), {5, 3}),
                      1e-12, 1e-12, "forward");
    Tensor proj = uniform({5, 3}, -1.0, 1.0, DType::Float64);
    auto f = [&](const std::vector<Tensor>& in) {
      return sum(mul(quantum_expval(std::make_shared<Circuit>(layer.circuit()), in[0], in[1], opt),
                     proj));
    };
    const auto num = test::numeric_gradients(f, {x.detach(), layer.weights().detach()});
    const auto ana = test::autograd_gradients(f, {x.detach(), layer.weights().detach()});
    test::check_close(ana[0], num[0], 1e-6, 1e-7, "input gradient");
    test::check_close(ana[1], num[1], 1e-6, 1e-7, "weight gradient");
  }
}

TEST_CASE("QuantumLayer: amplitude-embedded inputs get gradients; float32 in, float32 out") {
  manual_seed(3);
  QuantumLayer layer(qdense_circuit(2, 2));
  Tensor x = uniform({4, 4}, 0.1, 1.0).requires_grad_();
  Tensor y = layer(x);
  CHECK(y.dtype() == DType::Float32);
  CHECK(y.shape() == Shape{4, 4});
  sum(y).backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().shape() == Shape{4, 4});
  REQUIRE(layer.weights().grad().defined());
  // one sample, 1-D in and out
  Tensor y1 = layer(x.detach().select(0, 2));
  CHECK(y1.shape() == Shape{4});
  test::check_close(y1, y.detach().select(0, 2), 1e-6, 1e-6, "1-D input");
}

namespace {

// A tiny hybrid model: Linear(2 -> 3), pi * sigmoid, a 3-qubit circuit, Linear(3 -> 2).
class Hybrid : public nn::Module {
 public:
  Hybrid() {
    register_parameter("fc1_weight", uniform({3, 2}, -1.0, 1.0));
    register_parameter("fc1_bias", uniform({3}, -0.5, 0.5));
    q_ = register_module("q", std::make_shared<QuantumLayer>(qefficient_circuit(3, 2)));
    register_parameter("fc2_weight", uniform({2, 3}, -1.0, 1.0));
    register_parameter("fc2_bias", zeros({2}));
  }
  Tensor forward(const Tensor& x) override {
    auto& p = own_parameters();
    Tensor h = mul(sigmoid(linear(x, p[0].second, p[1].second)), M_PI);
    return linear((*q_)(h), p[2].second, p[3].second);
  }

 private:
  std::shared_ptr<QuantumLayer> q_;
};

}  // namespace

TEST_CASE("a tiny hybrid model trains on a toy problem") {
  manual_seed(2024);
  // two Gaussian blobs, label = which blob
  std::mt19937_64 gen(1);
  std::normal_distribution<double> nd(0.0, 0.45);
  const int N = 64;
  std::vector<float> xs;
  std::vector<int64_t> ys;
  for (int i = 0; i < N; ++i) {
    const int label = i % 2;
    const double cx = label ? 1.0 : -1.0, cy = label ? -0.5 : 0.5;
    xs.push_back(float(cx + nd(gen)));
    xs.push_back(float(cy + nd(gen)));
    ys.push_back(label);
  }
  Tensor x = from_vector(xs, {N, 2});
  Tensor y = from_vector(ys, {N});
  auto model = std::make_shared<Hybrid>();
  CHECK(model->named_parameters()[4].first == "q.weights");
  AdamOptions ao;
  ao.lr = 0.05;
  Adam opt(model->trainable_parameters(), ao);
  double first = 0, last = 0;
  for (int step = 0; step < 80; ++step) {
    opt.zero_grad();
    Tensor loss = cross_entropy((*model)(x), y);
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  Tensor pred = argmax((*model)(x), 1);
  const double acc = mean(eq(pred, y).to(DType::Float32)).item();
  INFO("loss " << first << " -> " << last << ", accuracy " << acc);
  CHECK(last < 0.5 * first);
  CHECK(acc >= 0.9);
}
