// A plain dense statevector reference for the quantum tests: complex<double> vectors, gate
// matrices written out here (independently of the engine's), applied index by index.
#pragma once
#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "engine/quantum/circuit.h"

namespace msq::test::qref {

using quantum::cdouble;
using quantum::GateKind;
using Vec = std::vector<cdouble>;
using Mat = std::vector<cdouble>;  // row-major, dim x dim

inline Mat controlled(int controls, const Mat& u2) {
  const int dim = 2 << controls;
  Mat m(size_t(dim) * dim, 0.0);
  for (int i = 0; i < dim; ++i) m[size_t(i) * dim + i] = 1.0;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) m[size_t(dim - 2 + r) * dim + dim - 2 + c] = u2[r * 2 + c];
  return m;
}

// The gate's matrix on its wires (wires[0] the most significant), from the textbook formulas.
inline Mat gate_matrix(const quantum::Gate& g, const std::vector<double>& a) {
  const cdouble i(0, 1);
  auto rx = [&](double t) { return Mat{std::cos(t / 2), -i * std::sin(t / 2), -i * std::sin(t / 2), std::cos(t / 2)}; };
  auto ry = [&](double t) { return Mat{std::cos(t / 2), -std::sin(t / 2), std::sin(t / 2), std::cos(t / 2)}; };
  auto rz = [&](double t) { return Mat{std::exp(-i * t / 2.0), 0, 0, std::exp(i * t / 2.0)}; };
  auto mul = [](const Mat& x, const Mat& y) {
    return Mat{x[0] * y[0] + x[1] * y[2], x[0] * y[1] + x[1] * y[3], x[2] * y[0] + x[3] * y[2],
               x[2] * y[1] + x[3] * y[3]};
  };
  const double r = 1 / std::sqrt(2.0);
  switch (g.kind) {
    case GateKind::H: return {r, r, r, -r};
    case GateKind::X: return {0, 1, 1, 0};
    case GateKind::Y: return {0, -i, i, 0};
    case GateKind::Z: return {1, 0, 0, -1};
    case GateKind::S: return {1, 0, 0, i};
    case GateKind::T: return {1, 0, 0, std::exp(i * M_PI / 4.0)};
    case GateKind::SX: return {(1.0 + i) / 2.0, (1.0 - i) / 2.0, (1.0 - i) / 2.0, (1.0 + i) / 2.0};
    case GateKind::RX: return rx(a[0]);
    case GateKind::RY: return ry(a[0]);
    case GateKind::RZ: return rz(a[0]);
    case GateKind::PhaseShift: return {1, 0, 0, std::exp(i * a[0])};
    case GateKind::Rot: return mul(rz(a[2]), mul(ry(a[1]), rz(a[0])));
    case GateKind::CNOT: return controlled(1, {0, 1, 1, 0});
    case GateKind::CZ: return controlled(1, {1, 0, 0, -1});
    case GateKind::SWAP: return {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    case GateKind::CRX: return controlled(1, rx(a[0]));
    case GateKind::CRY: return controlled(1, ry(a[0]));
    case GateKind::CRZ: return controlled(1, rz(a[0]));
    case GateKind::CPhase: return controlled(1, {1, 0, 0, std::exp(i * a[0])});
    case GateKind::Toffoli: return controlled(2, {0, 1, 1, 0});
    case GateKind::Unitary1: case GateKind::Unitary2: return g.matrix;
  }
  return {};
}

// psi <- M psi with M on `wires` of an n-qubit state.
inline void apply(Vec& psi, int n, const std::vector<int>& wires, const Mat& m) {
  const int k = int(wires.size()), dim = 1 << k;
  Vec out(psi.size(), 0.0);
  for (size_t idx = 0; idx < psi.size(); ++idx) {
    int row = 0;
    for (int q = 0; q < k; ++q) row = (row << 1) | ((idx >> (n - 1 - wires[q])) & 1);
    for (int col = 0; col < dim; ++col) {
      size_t src = idx;
      for (int q = 0; q < k; ++q) {
        const size_t bit = size_t(1) << (n - 1 - wires[q]);
        src = ((col >> (k - 1 - q)) & 1) ? (src | bit) : (src & ~bit);
      }
      out[idx] += m[size_t(row) * dim + col] * psi[src];
    }
  }
  psi = out;
}

inline double param_value(const quantum::Param& p, const std::vector<double>& x,
                          const std::vector<double>& w) {
  switch (p.source) {
    case quantum::Param::Source::Constant: return p.value;
    case quantum::Param::Source::Input: return p.scale * x[p.index];
    case quantum::Param::Source::Weight: return p.scale * w[p.index];
  }
  return 0;
}

// The final state of one sample (no amplitude embedding).
inline Vec run(const quantum::Circuit& c, const std::vector<double>& x,
               const std::vector<double>& w) {
  const int n = c.n_wires();
  Vec psi(size_t(1) << n, 0.0);
  psi[0] = 1.0;
  for (const auto& g : c.gates()) {
    std::vector<double> a;
    for (const auto& p : g.params) a.push_back(param_value(p, x, w));
    apply(psi, n, g.wires, gate_matrix(g, a));
  }
  return psi;
}

// <psi| P |psi> for a Pauli string.
inline double expval(const Vec& psi, int n, const quantum::Observable& o) {
  Vec phi = psi;
  const cdouble i(0, 1);
  if (o.kind == quantum::Observable::Kind::Hermitian) {
    apply(phi, n, {o.wire}, Mat(o.matrix.begin(), o.matrix.end()));
  } else {
    for (const auto& [w, p] : o.paulis) {
      if (p == 'X') apply(phi, n, {w}, {0, 1, 1, 0});
      if (p == 'Y') apply(phi, n, {w}, {0, -i, i, 0});
      if (p == 'Z') apply(phi, n, {w}, {1, 0, 0, -1});
    }
  }
  cdouble s = 0;
  for (size_t k = 0; k < psi.size(); ++k) s += std::conj(psi[k]) * phi[k];
  return s.real();
}

// A random unitary (QR of a random complex matrix by Gram-Schmidt), dim x dim.
inline Mat random_unitary(int dim, std::mt19937_64& gen) {
  std::normal_distribution<double> nd;
  Mat m(size_t(dim) * dim);
  for (auto& z : m) z = cdouble(nd(gen), nd(gen));
  for (int c = 0; c < dim; ++c) {  // orthonormalise the columns
    for (int p = 0; p < c; ++p) {
      cdouble dot = 0;
      for (int r = 0; r < dim; ++r) dot += std::conj(m[r * dim + p]) * m[r * dim + c];
      for (int r = 0; r < dim; ++r) m[r * dim + c] -= dot * m[r * dim + p];
    }
    double nrm = 0;
    for (int r = 0; r < dim; ++r) nrm += std::norm(m[r * dim + c]);
    for (int r = 0; r < dim; ++r) m[r * dim + c] /= std::sqrt(nrm);
  }
  return m;
}

}  // namespace msq::test::qref
