// Internal to engine/quantum: fuses the ops of one pass (pass_plan.h) into blocks on at most
// two row bits, each applied as one 2x2 or 4x4 matrix: one sweep over the chunk buffer for
// several gates (a layer of RY and a CNOT ring becomes about one real 4x4 per qubit).
//
// An op may join a block when it acts on row bits only (no lane bits), all inside the
// chunk, at most two of them together with the block's. Blocks keep the op order: an op
// joins an earlier block only when no later block touches its qubits, and blocks merged
// into a new one are the last to touch each of their bits.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "engine/quantum/gate_matrices.h"

namespace msq::quantum::detail {

struct Op;

struct FusedBlock {
  std::vector<int> ops;  // op indices, in application order
  bool fused = false;    // one matrix on (bit_hi, bit_lo); otherwise the ops one by one
  int bit_hi = -1;       // -1: a one-bit block (a 2x2 on bit_lo)
  int bit_lo = -1;
};

// The blocks of a pass's ops (`pass_ops`, in order) whose row bits lie in `local`.
std::vector<FusedBlock> fuse_pass(const std::vector<Op>& ops, const std::vector<int>& pass_ops,
                                  uint64_t local);

using Mat4 = std::array<cdouble, 16>;  // row-major over 2 * v(bit_hi) + v(bit_lo)

// The 4x4 on (hi, lo) of an op of the block: a one-target op (its 2x2 `m`, controls in
// op.ctrl) or a Matrix2 (its 4x4 `m` over (op.bit, op.bit2)).
Mat4 embed_op(const Op& op, const cdouble* m, int hi, int lo);
Mat4 mat4_mul(const Mat4& a, const Mat4& b);  // a b
Mat4 identity4();

}  // namespace msq::quantum::detail
