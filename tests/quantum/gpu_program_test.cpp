// The GPU circuit program (engine/quantum/gpu_program.h) run by its host executor, with the
// same per-item math as the CUDA kernels, against the CPU simulator: expectation values,
// final states and adjoint VJPs of random circuits with every gate, the templates and the
// study's circuits (amplitude embedding included), both precisions, fused and unfused.
#include "engine/quantum/gpu_program.h"

#include <random>

#include "random_circuit.h"
#include "test_support.h"

using namespace msq;
using namespace msq::quantum;

namespace {

struct Case {
  Circuit circuit;
  Batch batch;
};

void check_against_cpu(const Circuit& c, const Batch& b, std::mt19937_64& gen, bool fuse,
                       const std::string& what) {
  const GpuProgram p = compile_gpu_program(c, fuse);
  const std::vector<double> g = test::random_cotangent(c, b.size, gen);
  const SimOptions o128{Precision::Complex128};
  const std::vector<double> want = expectation_values(c, b, o128);
  const Gradients want_grad = vjp(c, b, g, DiffMethod::Adjoint, o128);
  // float64: to rounding; float32: to single-precision accumulation
  for (int precision = 0; precision < 2; ++precision) {
    const bool f64 = precision == 1;
    const double tol = f64 ? 1e-10 : 2e-4;
    std::vector<double> y, gx, gw;
    if (f64) {
      y = run_program_host<double>(p, b.size, b.inputs, b.weights);
      vjp_program_host<double>(p, b.size, b.inputs, b.weights, g, &gx, &gw);
    } else {
      y = run_program_host<float>(p, b.size, b.inputs, b.weights);
      vjp_program_host<float>(p, b.size, b.inputs, b.weights, g, &gx, &gw);
    }
    INFO(what << (f64 ? " complex128" : " complex64") << (fuse ? " fused" : " unfused"));
    CHECK(test::max_abs_diff(y, want) <= tol);
    CHECK(test::max_abs_diff(gx, want_grad.inputs) <= tol * 10);
    CHECK(test::max_abs_diff(gw, want_grad.weights) <= tol * 10 * std::sqrt(double(b.size)));
  }
}

}  // namespace

TEST_CASE("gpu program: random circuits with every gate agree with the CPU simulator") {
  std::mt19937_64 gen(2024);
  for (int n : {1, 2, 3, 5, 7}) {
    for (int trial = 0; trial < 2; ++trial) {
      const Circuit c = test::random_gpu_circuit(n, 40, gen, 3, 5);
      const Batch b = test::random_gpu_batch(c, 3, gen);
      for (bool fuse : {true, false})
        check_against_cpu(c, b, gen, fuse, "random n=" + std::to_string(n));
    }
  }
}

TEST_CASE("gpu program: templates and the study's circuits, amplitude embedding included") {
  std::mt19937_64 gen(7);
  std::vector<std::pair<std::string, Circuit>> cases = {
      {"qml 8x4", qml_workload_circuit(8, 4)},
      {"qcnn 4x2", qcnn_circuit(4, 2)},
      {"qdense 3x2", qdense_circuit(3, 2)},
      {"qefficient 4x2", qefficient_circuit(4, 2)},
  };
  {
    Circuit c(4);
    angle_embedding(c, {0, 1, 2, 3}, 0, 'Y', 0.5);
    basic_entangler_layers(c, {0, 1, 2, 3}, 2);
    strongly_entangling_layers(c, {0, 1, 2, 3}, 2, 8);
    for (int w = 0; w < 4; ++w) c.measure(Observable::pauli('Z', w));
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
  for (const auto& [name, c] : cases) {
    const Batch b = test::random_gpu_batch(c, 4, gen, 0.05, 1.0);
    check_against_cpu(c, b, gen, true, name);
  }
}

TEST_CASE("gpu program: compilation fuses runs of one-qubit gates per wire") {
  const GpuProgram p = compile_gpu_program(qml_workload_circuit(8, 4));
  // the embedding RX joins the first layer's RZ RY RZ: per layer 8 groups and 8 CNOTs
  CHECK(p.ops.size() == 4 * 16);
  CHECK(p.gates.size() == 8 + 4 * 8 * 3);
  CHECK(p.slots.size() == 8 + 4 * 8 * 3);
  const GpuProgram unfused = compile_gpu_program(qml_workload_circuit(8, 4), false);
  CHECK(unfused.ops.size() == 8 + 4 * (24 + 8));
  // final states match the CPU simulator's
  std::mt19937_64 gen(3);
  const Circuit c = qml_workload_circuit(5, 2);
  const Batch b = test::random_gpu_batch(c, 2, gen);
  std::vector<double> states;
  run_program_host<double>(compile_gpu_program(c), b.size, b.inputs, b.weights, &states);
  const std::vector<cdouble> want = final_states(c, b, {Precision::Complex128});
  REQUIRE(states.size() == want.size() * 2);
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::abs(cdouble(states[2 * i], states[2 * i + 1]) - want[i]));
  CHECK(worst < 1e-12);
}

TEST_CASE("gpu program: the parameter-shift runs give the adjoint's gradients") {
  std::mt19937_64 gen(31);
  for (int n : {1, 3, 4}) {
    const Circuit c = test::random_gpu_circuit(n, 30, gen, 3, 5);
    const Batch b = test::random_gpu_batch(c, 3, gen);
    const std::vector<double> g = test::random_cotangent(c, b.size, gen);
    const Gradients want = vjp(c, b, g, DiffMethod::Adjoint, {Precision::Complex128});
    const GpuProgram p = compile_gpu_program(c);
    const ShiftRuns runs = parameter_shift_runs(p);
    const int I = p.n_inputs, W = p.n_weights, K = c.n_observables();
    std::vector<double> gx(size_t(b.size) * I, 0.0), gw(W, 0.0);
    for (int64_t s = 0; s < b.size; ++s) {
      const std::vector<double> x(b.inputs.begin() + s * I, b.inputs.begin() + (s + 1) * I);
      for (size_t r = 0; r < runs.slot.size(); ++r) {
        // the run as a program whose shifted slot is a constant
        GpuProgram shifted = p;
        sv::ProgSlot& slot = shifted.slots[runs.slot[r]];
        slot.value = sv::slot_value(slot, x.data(), b.weights.data()) + runs.shift[r];
        slot.source = sv::kSourceConstant;
        const std::vector<double> y = run_program_host<double>(shifted, 1, x, b.weights);
        double d = 0;
        for (int k = 0; k < K; ++k) d += g[s * K + k] * y[k];
        d *= runs.coef[r];
        for (int i = 0; i < I; ++i) gx[s * I + i] += runs.to_inputs[r * I + i] * d;
        for (int w = 0; w < W; ++w) gw[w] += runs.to_weights[r * W + w] * d;
      }
    }
    INFO("n=" << n << ", " << runs.slot.size() << " runs");
    CHECK(test::max_abs_diff(gx, want.inputs) < 1e-9);
    CHECK(test::max_abs_diff(gw, want.weights) < 1e-9);
  }
}
