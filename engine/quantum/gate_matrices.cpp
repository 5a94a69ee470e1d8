#include "engine/quantum/gate_matrices.h"

#include <cmath>

#include "engine/core/error.h"

namespace msq::quantum {
namespace {

const cdouble I(0.0, 1.0);

Mat2 rx(double t) {
  const double c = std::cos(t / 2), s = std::sin(t / 2);
  return {c, -I * s, -I * s, c};
}
Mat2 ry(double t) {
  const double c = std::cos(t / 2), s = std::sin(t / 2);
  return {c, -s, s, c};
}
Mat2 rz(double t) { return {std::exp(-I * (t / 2)), 0.0, 0.0, std::exp(I * (t / 2))}; }
Mat2 phase(double t) { return {1.0, 0.0, 0.0, std::exp(I * t)}; }
// d/dt of the rotations: -i/2 G R(t).
Mat2 drx(double t) { return mat_mul({0.0, -0.5 * I, -0.5 * I, 0.0}, rx(t)); }
Mat2 dry(double t) { return mat_mul({0.0, -0.5, 0.5, 0.0}, ry(t)); }
Mat2 drz(double t) { return mat_mul({-0.5 * I, 0.0, 0.0, 0.5 * I}, rz(t)); }
Mat2 dphase(double t) { return {0.0, 0.0, 0.0, I * std::exp(I * t)}; }

}  // namespace

OpType op_type(GateKind kind) {
  switch (kind) {
    case GateKind::Z: case GateKind::S: case GateKind::T: case GateKind::RZ:
    case GateKind::PhaseShift: case GateKind::CZ: case GateKind::CRZ: case GateKind::CPhase:
      return OpType::Diagonal1;
    case GateKind::X: case GateKind::CNOT: case GateKind::Toffoli: return OpType::X;
    case GateKind::SWAP: return OpType::Swap;
    case GateKind::Unitary2: return OpType::Matrix2;
    default: return OpType::Matrix1;
  }
}

Mat2 target_matrix(const Gate& g, const double* a) {
  const double r = 1.0 / std::sqrt(2.0);
  switch (g.kind) {
    case GateKind::H: return {r, r, r, -r};
    case GateKind::X: case GateKind::CNOT: case GateKind::Toffoli: return {0.0, 1.0, 1.0, 0.0};
    case GateKind::Y: return {0.0, -I, I, 0.0};
    case GateKind::Z: case GateKind::CZ: return {1.0, 0.0, 0.0, -1.0};
    case GateKind::S: return {1.0, 0.0, 0.0, I};
    case GateKind::T: return {1.0, 0.0, 0.0, std::exp(I * (M_PI / 4))};
    case GateKind::SX: return {0.5 * (1.0 + I), 0.5 * (1.0 - I), 0.5 * (1.0 - I), 0.5 * (1.0 + I)};
    case GateKind::RX: case GateKind::CRX: return rx(a[0]);
    case GateKind::RY: case GateKind::CRY: return ry(a[0]);
    case GateKind::RZ: case GateKind::CRZ: return rz(a[0]);
    case GateKind::PhaseShift: case GateKind::CPhase: return phase(a[0]);
    case GateKind::Rot: return mat_mul(rz(a[2]), mat_mul(ry(a[1]), rz(a[0])));
    case GateKind::Unitary1: return {g.matrix[0], g.matrix[1], g.matrix[2], g.matrix[3]};
    case GateKind::SWAP: case GateKind::Unitary2: break;
  }
  fail("quantum", gate_info(g.kind).name, " has no single target matrix");
}

Mat2 target_derivative(const Gate& g, const double* a, int p) {
  switch (g.kind) {
    case GateKind::RX: case GateKind::CRX: return drx(a[0]);
    case GateKind::RY: case GateKind::CRY: return dry(a[0]);
    case GateKind::RZ: case GateKind::CRZ: return drz(a[0]);
    case GateKind::PhaseShift: case GateKind::CPhase: return dphase(a[0]);
    case GateKind::Rot:
      if (p == 0) return mat_mul(rz(a[2]), mat_mul(ry(a[1]), drz(a[0])));
      if (p == 1) return mat_mul(rz(a[2]), mat_mul(dry(a[1]), rz(a[0])));
      return mat_mul(drz(a[2]), mat_mul(ry(a[1]), rz(a[0])));
    default: break;
  }
  fail("quantum", gate_info(g.kind).name, " has no parameter ", p);
}

std::vector<cdouble> dense_matrix(const Gate& g, const double* a) {
  const int k = int(g.wires.size());
  const int dim = 1 << k;
  std::vector<cdouble> m(size_t(dim) * dim, 0.0);
  if (g.kind == GateKind::Unitary2) return g.matrix;
  if (g.kind == GateKind::SWAP) {
    m[0 * 4 + 0] = m[1 * 4 + 2] = m[2 * 4 + 1] = m[3 * 4 + 3] = 1.0;
    return m;
  }
  // controls are the leading wires (high bits), the target the last (bit 0)
  const Mat2 t = target_matrix(g, a);
  for (int i = 0; i < dim; ++i) m[size_t(i) * dim + i] = 1.0;
  const int base = dim - 2;  // all controls set, target 0
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) m[size_t(base + r) * dim + base + c] = t[r * 2 + c];
  return m;
}

}  // namespace msq::quantum
