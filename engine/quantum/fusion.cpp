#include "engine/quantum/fusion.h"

#include <algorithm>

#include "engine/quantum/runner.h"

namespace msq::quantum::detail {

namespace {

// The row bits of an op that can be fused (0 when it cannot).
uint64_t fusable_bits(const Op& op, uint64_t local) {
  const bool kind = op.type == OpType::Matrix1 || op.type == OpType::Diagonal1 ||
                    op.type == OpType::X || op.type == OpType::Matrix2;
  if (!kind || op.lane_ctrl != 0 || op.lane_target >= 0) return 0;
  const uint64_t bits = op_local_rows(op) | op.ctrl;
  if ((bits & ~local) != 0 || __builtin_popcountll(bits) > 2) return 0;
  return bits;
}

}  // namespace

std::vector<FusedBlock> fuse_pass(const std::vector<Op>& ops, const std::vector<int>& pass_ops,
                                  uint64_t local) {
  struct Open {
    FusedBlock block;
    uint64_t bits = 0;  // row bits (fusable blocks), or every touched bit shifted past 63
    bool fusable = false;
    bool alive = true;
  };
  std::vector<Open> blocks;
  int last[64];  // per physical bit: the block that touched it last, -1: none
  std::fill(last, last + 64, -1);
  auto phys_bits = [](uint64_t rows) { return rows << kLaneBits; };
  auto set_last = [&](uint64_t touched, int b) {
    for (int q = 0; q < 64; ++q)
      if ((touched >> q) & 1) last[q] = b;
  };
  auto is_last_on_all = [&](int b) {  // block b touched each of its bits last
    const uint64_t t = phys_bits(blocks[b].bits);
    for (int q = 0; q < 64; ++q)
      if (((t >> q) & 1) && last[q] != b) return false;
    return true;
  };
  for (int o : pass_ops) {
    const Op& op = ops[o];
    const uint64_t bits = fusable_bits(op, local);
    const uint64_t touched = op_touched_bits(op);
    std::vector<int> before;  // the blocks that last touched the op's qubits
    for (int q = 0; q < 64; ++q)
      if (((touched >> q) & 1) && last[q] >= 0 &&
          std::find(before.begin(), before.end(), last[q]) == before.end())
        before.push_back(last[q]);
    if (bits != 0) {
      // join the one earlier block that touched its qubits last, in place
      if (before.size() == 1 && blocks[before[0]].fusable &&
          __builtin_popcountll(blocks[before[0]].bits | bits) <= 2) {
        Open& b = blocks[before[0]];
        b.block.ops.push_back(o);
        b.bits |= bits;
        set_last(touched, before[0]);
        continue;
      }
      // or merge the fusable blocks that last touched its qubits (and nothing after them
      // touched theirs) into a new block at the end
      std::sort(before.begin(), before.end());
      Open merged;
      merged.fusable = true;
      merged.bits = bits;
      for (int b : before)
        if (blocks[b].fusable && is_last_on_all(b) &&
            __builtin_popcountll(merged.bits | blocks[b].bits) <= 2) {
          merged.bits |= blocks[b].bits;
          merged.block.ops.insert(merged.block.ops.end(), blocks[b].block.ops.begin(),
                                  blocks[b].block.ops.end());
          blocks[b].alive = false;
        }
      merged.block.ops.push_back(o);
      blocks.push_back(std::move(merged));
      set_last(phys_bits(blocks.back().bits), int(blocks.size()) - 1);
      continue;
    }
    Open single;
    single.block.ops = {o};
    blocks.push_back(std::move(single));
    set_last(touched, int(blocks.size()) - 1);
  }
  std::vector<FusedBlock> out;
  for (Open& b : blocks) {
    if (!b.alive) continue;
    if (b.fusable && b.block.ops.size() > 1) {
      b.block.fused = true;
      b.block.bit_lo = __builtin_ctzll(b.bits);
      if (__builtin_popcountll(b.bits) == 2) b.block.bit_hi = 63 - __builtin_clzll(b.bits);
    }
    out.push_back(std::move(b.block));
  }
  return out;
}

Mat4 identity4() {
  Mat4 m{};
  for (int i = 0; i < 4; ++i) m[i * 5] = 1.0;
  return m;
}

Mat4 mat4_mul(const Mat4& a, const Mat4& b) {
  Mat4 c{};
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 4; ++j) c[i * 4 + j] += a[i * 4 + k] * b[k * 4 + j];
  return c;
}

Mat4 embed_op(const Op& op, const cdouble* m, int hi, int lo) {
  auto value = [&](int state, int bit) { return bit == hi ? (state >> 1) & 1 : state & 1; };
  auto with = [&](int state, int bit, int v) {
    const int shift = bit == hi ? 1 : 0;
    return (state & ~(1 << shift)) | (v << shift);
  };
  Mat4 out{};
  for (int col = 0; col < 4; ++col) {  // the image of basis state `col`
    if (op.type == OpType::Matrix2) {
      const int sub = 2 * value(col, op.bit) + value(col, op.bit2);
      for (int r = 0; r < 4; ++r)
        out[with(with(col, op.bit, r >> 1), op.bit2, r & 1) * 4 + col] = m[r * 4 + sub];
      continue;
    }
    bool on = true;
    for (int b : {hi, lo})
      if (b >= 0 && ((op.ctrl >> b) & 1) && !value(col, b)) on = false;
    if (!on) {
      out[col * 4 + col] = 1.0;
      continue;
    }
    const int t = value(col, op.bit);
    for (int r = 0; r < 2; ++r) out[with(col, op.bit, r) * 4 + col] = m[r * 2 + t];
  }
  return out;
}

}  // namespace msq::quantum::detail
