// The fused small-circuit GPU simulator (engine/quantum/gpu_simulator.h, kernels in
// kernels/cuda/statevector/) against the CPU simulator: expectation values and adjoint VJPs
// of random circuits with every gate, the templates and the study's circuits (amplitude
// embedding included), complex64 and complex128, batches of 1 to 1024, n from 1 to 16 (15
// and 16 take the global-memory workspace); and the quantum layer on CUDA tensors, its
// gradients flowing into autograd on the device; a single large state run in fused tile
// passes (engine/quantum/large_state.h). Every case skips without a CUDA device.
#include <random>

#include "../quantum/random_circuit.h"
#include "engine/quantum/gpu_simulator.h"
#include "engine/quantum/large_state.h"
#include "engine/quantum/quantum.h"
#include "test_support.h"

using namespace msq;
using namespace msq::quantum;

namespace {

Device gpu() { return Device::cuda(); }

std::vector<double> host(const Tensor& t) { return t.to_vector<double>(); }

// |got - want| <= tol * (1 + max |want|), elementwise.
void check_near(const std::vector<double>& got, const std::vector<double>& want, double tol,
                const std::string& what) {
  REQUIRE_MESSAGE(got.size() == want.size(),
                  what << ": size " << got.size() << " vs " << want.size());
  double scale = 0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  const double worst = test::max_abs_diff(got, want);
  INFO(what << ": worst abs error " << worst << " (max |ref| " << scale << ")");
  CHECK(worst <= tol * (1 + scale));
}

// The GPU forward and VJP (with and without the kept states) against the CPU's.
void check_circuit(const Circuit& c, int64_t B, std::mt19937_64& gen, const std::string& what,
                   double lo = -2, double hi = 2) {
  const Batch b = test::random_gpu_batch(c, B, gen, lo, hi);
  const std::vector<double> g = test::random_cotangent(c, B, gen);
  const SimOptions o128{Precision::Complex128};
  const std::vector<double> want = expectation_values(c, b, o128);
  const Gradients want_grad = vjp(c, b, g, DiffMethod::Adjoint, o128);
  const auto shared = std::make_shared<const Circuit>(c);
  const GpuCircuit gc(shared);
  const int I = c.n_inputs(), W = c.n_weights(), K = c.n_observables();
  for (Precision p : {Precision::Complex64, Precision::Complex128}) {
    const bool f64 = p == Precision::Complex128;
    const DType dt = f64 ? DType::Float64 : DType::Float32;
    const double tol = f64 ? 1e-10 : 1e-4;
    const std::string tag = what + (f64 ? " complex128" : " complex64") + " B=" + std::to_string(B);
    const Tensor x = from_vector(b.inputs, {B, int64_t(I)}, TensorOptions(dt).with_device(gpu()));
    const Tensor w = from_vector(b.weights, {int64_t(W)}, TensorOptions(dt).with_device(gpu()));
    const Tensor gt = from_vector(g, {B, int64_t(K)}, TensorOptions(dt).with_device(gpu()));
    Tensor states;
    const Tensor y = gc.expectation_values(x, w, p, &states);
    CHECK(y.device() == gpu());
    check_near(host(y), want, tol, tag + " forward");
    for (bool kept : {true, false}) {
      auto [gx, gw] = gc.vjp(x, w, gt, p, kept ? states : Tensor(), true, true);
      CHECK(gx.device() == gpu());
      const std::string how = kept ? " (kept states)" : " (simulated again)";
      check_near(host(gx), want_grad.inputs, tol * 10, tag + " grad inputs" + how);
      check_near(host(gw), want_grad.weights, tol * 10 * std::sqrt(double(B)),
                 tag + " grad weights" + how);
    }
  }
}

}  // namespace

TEST_CASE("gpu statevector: random circuits with every gate, n = 1..14, both precisions") {
  if (!test::require_cuda()) return;
  std::mt19937_64 gen(11);
  const std::pair<int, int64_t> sizes[] = {{1, 1}, {1, 77}, {2, 5}, {3, 64}, {4, 3},  {5, 33},
                                           {6, 2}, {7, 9},  {8, 4}, {10, 3}, {12, 2}, {14, 2}};
  for (const auto& [n, B] : sizes) {
    const Circuit c = test::random_gpu_circuit(n, 30 + 4 * n, gen, 3, 5);
    check_circuit(c, B, gen, "random n=" + std::to_string(n));
  }
}

TEST_CASE("gpu statevector: batch sizes 1 to 1024 on QML-8x4") {
  if (!test::require_cuda()) return;
  std::mt19937_64 gen(12);
  const Circuit c = qml_workload_circuit(8, 4);
  for (int64_t B : {1, 2, 31, 256, 1024}) check_circuit(c, B, gen, "qml 8x4");
}

TEST_CASE("gpu statevector: templates and the study's circuits, amplitude embedding included") {
  if (!test::require_cuda()) return;
  std::mt19937_64 gen(13);
  std::vector<std::pair<std::string, Circuit>> cases = {
      {"qcnn 8x2", qcnn_circuit(8, 2)},          {"qdense 4x2", qdense_circuit(4, 2)},
      {"qdense 10x2", qdense_circuit(10, 2)},    {"qefficient 6x3", qefficient_circuit(6, 3)},
      {"qml 12x2", qml_workload_circuit(12, 2)},
  };
  {
    Circuit c(5);
    angle_embedding(c, {0, 1, 2, 3, 4}, 0, 'Y', 0.5);
    basic_entangler_layers(c, {0, 1, 2, 3, 4}, 2);
    strongly_entangling_layers(c, {0, 1, 2, 3, 4}, 2, 10);
    for (int w = 0; w < 5; ++w) c.measure(Observable::pauli('Z', w));
    cases.push_back({"entangler layers", c});
  }
  {
    Circuit c(3);
    c.amplitude_embedding({0, 7, 0.25, true});
    strongly_entangling_layers(c, {0, 1, 2}, 2);
    c.add(GateKind::RY, {1}, {Param::input(7, 0.7)});
    c.measure(Observable::pauli('X', 0)).measure(Observable::pauli('Z', 2));
    cases.push_back({"padded amplitude embedding", c});
  }
  for (const auto& [name, c] : cases) check_circuit(c, 17, gen, name, 0.05, 1.0);
}

TEST_CASE("gpu statevector: 15 and 16 qubits (the workspace in global memory)") {
  if (!test::require_cuda()) return;
  std::mt19937_64 gen(14);
  for (int n : {15, 16})
    check_circuit(qml_workload_circuit(n, 1), 2, gen, "qml n=" + std::to_string(n));
}

TEST_CASE("gpu statevector: the quantum layer on CUDA tensors, gradients into autograd") {
  if (!test::require_cuda()) return;
  for (DType dt : {DType::Float32, DType::Float64}) {
    manual_seed(5);
    QuantumLayer cpu_layer(qefficient_circuit(6, 2));
    QuantumLayer gpu_layer(qefficient_circuit(6, 2));
    gpu_layer.weights().detach().copy_(cpu_layer.weights().detach());
    if (dt == DType::Float64) {
      cpu_layer.options().sim.precision = Precision::Complex128;
      gpu_layer.options().sim.precision = Precision::Complex128;
    }
    gpu_layer.to(gpu());
    Tensor x = uniform({40, 6}, 0.0, 3.0, dt);
    Tensor xc = x.clone().requires_grad_(true);
    Tensor xg = x.to(gpu()).requires_grad_(true);
    Tensor yc = cpu_layer.forward(xc);
    Tensor yg = gpu_layer.forward(xg);
    REQUIRE(yg.device() == gpu());
    const double tol = dt == DType::Float64 ? 1e-10 : 1e-4;
    test::check_close(yg.cpu().to(DType::Float64), yc.to(DType::Float64), tol, tol,
                      "layer forward");
    manual_seed(6);
    Tensor wout = uniform(yc.shape(), 0.5, 1.5, yc.dtype());
    sum(mul(yc, wout)).backward();
    sum(mul(yg, wout.to(gpu()))).backward();
    REQUIRE(xg.grad().defined());
    CHECK(xg.grad().device() == gpu());
    CHECK(gpu_layer.weights().grad().device() == gpu());
    test::check_close(xg.grad().cpu().to(DType::Float64), xc.grad().to(DType::Float64), 10 * tol,
                      10 * tol, "layer grad x");
    test::check_close(gpu_layer.weights().grad().cpu().to(DType::Float64),
                      cpu_layer.weights().grad().to(DType::Float64), 30 * tol, 30 * tol,
                      "layer grad weights");
  }
}

TEST_CASE("gpu statevector: large states in fused tile passes against the CPU simulator") {
  if (!test::require_cuda()) return;
  std::mt19937_64 gen(15);
  std::uniform_real_distribution<double> u(-3, 3);
  for (int n : {3, 12, 15, 18, 20}) {
    for (Precision p : {Precision::Complex64, Precision::Complex128}) {
      Circuit c(n);
      LargeState s(n, p);
      for (int i = 0; i < 120; ++i) {
        const int w = int(gen() % n);
        const int kind = int(gen() % 5);
        const double t = u(gen);
        if (kind == 4 && n > 1) {
          int t2 = int(gen() % n);
          if (t2 == w) t2 = (w + 1) % n;
          c.add(GateKind::CNOT, {w, t2});
          s.cnot(w, t2);
        } else if (kind == 0) {
          c.add(GateKind::RY, {w}, {Param::constant(t)});
          s.ry(w, t);
        } else if (kind == 1) {
          c.add(GateKind::RX, {w}, {Param::constant(t)});
          s.rx(w, t);
        } else if (kind == 2) {
          c.add(GateKind::RZ, {w}, {Param::constant(t)});
          s.rz(w, t);
        } else {
          c.add(GateKind::H, {w});
          s.h(w);
        }
      }
      for (int w = 0; w < n; ++w) c.measure(Observable::pauli('Z', w));
      const bool f64 = p == Precision::Complex128;
      const double tol = f64 ? 1e-10 : 2e-5;
      const std::string tag = "large n=" + std::to_string(n) + (f64 ? " complex128" : " complex64");
      const std::vector<cdouble> want = final_states(c, Batch{}, {Precision::Complex128});
      const std::vector<cdouble> got = s.amplitudes();
      REQUIRE(got.size() == want.size());
      double worst = 0;
      for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
      INFO(tag << ": worst amplitude error " << worst);
      CHECK(worst <= tol);
      const std::vector<double> z = expectation_values(c, Batch{}, {Precision::Complex128});
      for (int w = 0; w < n; ++w) CHECK(std::abs(s.expval_z(w) - z[w]) <= 10 * tol);
      const std::vector<double> probs = host(s.probabilities());
      double worst_p = 0, total = 0;
      for (size_t i = 0; i < probs.size(); ++i) {
        worst_p = std::max(worst_p, std::abs(probs[i] - std::norm(want[i])));
        total += probs[i];
      }
      CHECK(worst_p <= tol);
      CHECK(std::abs(total - 1) <= 1e-4);
    }
  }
}

TEST_CASE("gpu statevector: parameter-shift as one batched forward equals the adjoint") {
  if (!test::require_cuda()) return;
  std::mt19937_64 gen(16);
  for (int n : {1, 3, 6}) {
    const Circuit c = test::random_gpu_circuit(n, 30, gen, 3, 5);
    const int64_t B = 7;
    const Batch b = test::random_gpu_batch(c, B, gen);
    const std::vector<double> g = test::random_cotangent(c, B, gen);
    const Gradients want = vjp(c, b, g, DiffMethod::Adjoint, {Precision::Complex128});
    const GpuCircuit gc(std::make_shared<const Circuit>(c));
    for (Precision p : {Precision::Complex64, Precision::Complex128}) {
      const bool f64 = p == Precision::Complex128;
      const DType dt = f64 ? DType::Float64 : DType::Float32;
      const TensorOptions on = TensorOptions(dt).with_device(gpu());
      const Tensor x = from_vector(b.inputs, {B, int64_t(c.n_inputs())}, on);
      const Tensor w = from_vector(b.weights, {int64_t(c.n_weights())}, on);
      const Tensor gt = from_vector(g, {B, int64_t(c.n_observables())}, on);
      auto [gx, gw] = gc.parameter_shift_vjp(x, w, gt, p, true, true);
      const double tol = f64 ? 1e-9 : 1e-3;
      const std::string tag = "parameter-shift n=" + std::to_string(n) + (f64 ? " c128" : " c64");
      check_near(host(gx), want.inputs, tol, tag + " inputs");
      check_near(host(gw), want.weights, tol, tag + " weights");
    }
  }
  // the layer with parameter-shift on CUDA tensors
  manual_seed(8);
  LayerOptions lo;
  lo.method = DiffMethod::ParameterShift;
  QuantumLayer cpu_layer(qcnn_circuit(4, 2), lo), gpu_layer(qcnn_circuit(4, 2), lo);
  gpu_layer.weights().detach().copy_(cpu_layer.weights().detach());
  gpu_layer.to(gpu());
  Tensor x = uniform({5, 4}, 0.0, 3.0);
  Tensor xc = x.clone().requires_grad_(true);
  sum(cpu_layer.forward(xc)).backward();
  Tensor xg = x.to(gpu()).requires_grad_(true);
  sum(gpu_layer.forward(xg)).backward();
  CHECK(xg.grad().device() == gpu());
  test::check_close(xg.grad().cpu(), xc.grad(), 1e-4, 1e-4, "layer parameter-shift grad x");
  test::check_close(gpu_layer.weights().grad().cpu(), cpu_layer.weights().grad(), 1e-4, 1e-4,
                    "layer parameter-shift grad w");
}
