// Random circuits and batches for the GPU-program tests (tests/quantum/gpu_program_test.cpp
// on the CPU, tests/cuda/cuda_statevector_test.cpp on the GPU): every gate kind appears,
// parameters come from inputs (scaled), weights and constants, some shared between gates;
// the observables cover Z, a Pauli product with Y, a Hermitian 2x2 and X.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/quantum/quantum.h"

namespace msq::test {

inline quantum::Circuit random_gpu_circuit(int n, int n_gates, std::mt19937_64& gen, int n_inputs,
                                           int n_weights) {
  using namespace quantum;
  static const GateKind kinds[] = {
      GateKind::RX,       GateKind::RY,      GateKind::RZ,  GateKind::PhaseShift, GateKind::Rot,
      GateKind::CRX,      GateKind::CRY,     GateKind::CRZ, GateKind::CPhase,     GateKind::H,
      GateKind::X,        GateKind::Y,       GateKind::Z,   GateKind::S,          GateKind::T,
      GateKind::SX,       GateKind::CNOT,    GateKind::CZ,  GateKind::SWAP,       GateKind::Toffoli,
      GateKind::Unitary1, GateKind::Unitary2};
  const int n_kinds = int(sizeof(kinds) / sizeof(kinds[0]));
  Circuit c(n);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  auto wires = [&](int k) {
    std::vector<int> w(n);
    for (int i = 0; i < n; ++i) w[i] = i;
    std::shuffle(w.begin(), w.end(), gen);
    w.resize(k);
    return w;
  };
  // a random unitary: the Q of Gram-Schmidt on a random complex matrix
  auto unitary = [&](int dim) {
    std::vector<cdouble> m(size_t(dim) * dim);
    for (cdouble& z : m) z = cdouble(u(gen), u(gen));
    for (int c1 = 0; c1 < dim; ++c1) {
      for (int c0 = 0; c0 < c1; ++c0) {
        cdouble dot = 0;
        for (int r = 0; r < dim; ++r) dot += std::conj(m[r * dim + c0]) * m[r * dim + c1];
        for (int r = 0; r < dim; ++r) m[r * dim + c1] -= dot * m[r * dim + c0];
      }
      double norm = 0;
      for (int r = 0; r < dim; ++r) norm += std::norm(m[r * dim + c1]);
      for (int r = 0; r < dim; ++r) m[r * dim + c1] /= std::sqrt(norm);
    }
    return m;
  };
  for (int g = 0; g < n_gates; ++g) {
    GateKind k = kinds[g < n_kinds ? g : int(gen() % n_kinds)];
    const int need = k == GateKind::Unitary2 ? 2 : gate_info(k).wires;
    if (need > n) k = GateKind::RY;
    std::vector<Param> ps;
    for (int p = 0; p < gate_info(k).params; ++p) {
      switch (gen() % 4) {
        case 0:
          ps.push_back(Param::input(int(gen() % n_inputs), u(gen)));
          break;
        case 1:
          ps.push_back(Param::weight(int(gen() % n_weights), u(gen)));
          break;
        case 2:
          ps.push_back(Param::constant(u(gen)));
          break;
        default:
          ps.push_back(Param::weight(int(gen() % n_weights)));
          break;
      }
    }
    if (k == GateKind::Unitary1)
      c.add(k, wires(1), ps, unitary(2));
    else if (k == GateKind::Unitary2)
      c.add(k, wires(2), ps, unitary(4));
    else
      c.add(k, wires(gate_info(k).wires), ps);
  }
  c.declare_inputs(n_inputs);
  c.declare_weights(n_weights);
  c.measure(Observable::pauli('Z', 0));
  c.measure(n > 1 ? Observable::string({{0, 'X'}, {n - 1, 'Y'}}) : Observable::pauli('Y', 0));
  c.measure(Observable::hermitian(n / 2, {0.3, cdouble(0.2, -0.7), cdouble(0.2, 0.7), -1.1}));
  c.measure(Observable::pauli('X', n - 1));
  return c;
}

inline quantum::Batch random_gpu_batch(const quantum::Circuit& c, int64_t B, std::mt19937_64& gen,
                                       double lo = -2, double hi = 2) {
  std::uniform_real_distribution<double> u(lo, hi);
  quantum::Batch b;
  b.size = B;
  for (int64_t i = 0; i < B * c.n_inputs(); ++i) b.inputs.push_back(u(gen));
  for (int i = 0; i < c.n_weights(); ++i) b.weights.push_back(u(gen));
  return b;
}

inline std::vector<double> random_cotangent(const quantum::Circuit& c, int64_t B,
                                            std::mt19937_64& gen) {
  std::normal_distribution<double> nd;
  std::vector<double> g(size_t(B) * c.n_observables());
  for (double& v : g) v = nd(gen);
  return g;
}

// max |got - want| over the elements.
inline double max_abs_diff(const std::vector<double>& got, const std::vector<double>& want) {
  double worst = got.size() == want.size() ? 0.0 : INFINITY;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - want[i]));
  return worst;
}

}  // namespace msq::test
