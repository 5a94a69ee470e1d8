// Internal to engine/quantum: fuses the ops of one pass (pass_plan.h) into blocks, each
// applied in one sweep over the chunk buffer: blocks on at most two row bits (a 2x2 or 4x4
// per lane; a layer of RY and a CNOT ring becomes about one real 4x4 per qubit), and blocks
// of gates on the qubits in the lanes (an 8x8 on the lanes of each row).
//
// An op may join a block when its rows lie inside the chunk and the block stays within its
// bits (two row bits; a lane block: its lanes and one row control). Blocks keep the op
// order: an op joins an earlier block only when no later block touches its qubits, and
// blocks merged into a new one are the last to touch each of their bits.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "engine/quantum/gate_matrices.h"

namespace msq::quantum::detail {

struct Op;

// Rows: one 2x2 or 4x4 on row bits (bit_hi, bit_lo) per lane. Lanes: one 8x8 on the lane
// index of each row, two of them chosen by row bit bit_lo when it is >= 0 (a control).
enum class BlockKind { None, Rows, Lanes };

struct FusedBlock {
  std::vector<int> ops;               // op indices, in application order
  BlockKind kind = BlockKind::None;   // None: the ops one by one
  int bit_hi = -1;                    // Rows: -1 for a one-bit block (a 2x2 on bit_lo)
  int bit_lo = -1;
};

// The blocks of a pass's ops (`pass_ops`, in order) whose row bits lie in `local`.
std::vector<FusedBlock> fuse_pass(const std::vector<Op>& ops, const std::vector<int>& pass_ops,
                                  uint64_t local);

// A fused block's coefficients, [entries][kLanes] (entry-major, one complex per lane):
// Rows: the 2x2 (4 entries) or 4x4 (16, row-major over 2 * v(bit_hi) + v(bit_lo)) of each
// lane; Lanes: [variants][k] (k < kLanes), the factor of lane l ^ k in lane l's result, one
// variant per value of the row control bit_lo (one variant without). `mats[i]`: the 2x2 of
// block.ops[i] (its gates multiplied), or the 4x4 of a Matrix2.
std::vector<cdouble> block_coefficients(const FusedBlock& block, const std::vector<Op>& ops,
                                        const std::vector<std::vector<cdouble>>& mats);

// A Lanes block as stages (apply_lane_stages in kernels/statevector.h): each op one 2x2
// stage on its lane bit, except that runs of permutations (CNOTs among the lanes, a row-
// controlled X on a lane) become one permutation stage and identities vanish. lane_bits:
// [count] (a 2x2 stage's lane bit, or -1: a permutation); coeffs: per 2x2 stage
// [variants][2][kLanes] (a, b: lane l <- a x[l] + b x[l ^ 2^bit]); perms: per permutation
// stage [variants][kLanes]. `mats` as block_coefficients's.
struct LaneStages {
  std::vector<int> lane_bits;
  std::vector<cdouble> coeffs;
  std::vector<int> perms;
};
LaneStages lane_stages(const FusedBlock& block, const std::vector<Op>& ops,
                       const std::vector<std::vector<cdouble>>& mats);

using Mat4 = std::array<cdouble, 16>;  // row-major over 2 * v(bit_hi) + v(bit_lo)

// The 4x4 on (hi, lo) of an op of the block: a one-target op (its 2x2 `m`, controls in
// op.ctrl) or a Matrix2 (its 4x4 `m` over (op.bit, op.bit2)).
Mat4 embed_op(const Op& op, const cdouble* m, int hi, int lo);
Mat4 mat4_mul(const Mat4& a, const Mat4& b);  // a b
Mat4 identity4();

}  // namespace msq::quantum::detail
