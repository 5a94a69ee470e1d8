// The matrices of the gates and of their derivatives, in double precision. Every gate but
// SWAP and Unitary2 acts as one 2x2 "target matrix" on its last wire, controlled by the
// others; how the simulator applies it is its OpType.
#pragma once
#include <array>
#include <vector>

#include "engine/quantum/circuit.h"

namespace msq::quantum {

using Mat2 = std::array<cdouble, 4>;  // row-major

// LaneSwap and LaneMatrix1 are no gate's type: the single-state layout moves a qubit out of
// the lanes with a LaneSwap, or applies a gate whose target is in the lanes as a
// LaneMatrix1 (runner.h).
enum class OpType { Matrix1, Diagonal1, X, Swap, Matrix2, LaneSwap, LaneMatrix1 };
OpType op_type(GateKind kind);

// The 2x2 on the target wire, given the gate's parameter values.
Mat2 target_matrix(const Gate& gate, const double* angles);
// d(target matrix) / d angles[p].
Mat2 target_derivative(const Gate& gate, const double* angles, int p);
// The whole gate as a dense 2^k x 2^k matrix on its k wires (wires[0] the most significant),
// for references and small-n checks.
std::vector<cdouble> dense_matrix(const Gate& gate, const double* angles);

inline Mat2 mat_mul(const Mat2& a, const Mat2& b) {
  return {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
          a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
}
inline Mat2 dagger(const Mat2& a) {
  return {std::conj(a[0]), std::conj(a[2]), std::conj(a[1]), std::conj(a[3])};
}
inline Mat2 identity2() { return {1.0, 0.0, 0.0, 1.0}; }

}  // namespace msq::quantum
