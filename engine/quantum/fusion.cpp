#include "engine/quantum/fusion.h"

#include <algorithm>

#include "engine/quantum/runner.h"

namespace msq::quantum::detail {

namespace {

// Which block an op may join, and the row bits that count against the block's limit.
struct Fusable {
  BlockKind kind = BlockKind::None;
  uint64_t bits = 0;
};

Fusable fusable(const Op& op, uint64_t local) {
  const uint64_t rows = op_local_rows(op) | op.ctrl;
  if ((rows & ~local) != 0) return {};
  const int count = __builtin_popcountll(rows);
  if (op.type == OpType::LaneMatrix1) {
    if (count <= 1) return {BlockKind::Lanes, rows};
    return {};
  }
  const bool kind = op.type == OpType::Matrix1 || op.type == OpType::Diagonal1 ||
                    op.type == OpType::X || op.type == OpType::Matrix2;
  if (kind && count <= 2) return {BlockKind::Rows, rows};
  return {};
}

int max_bits(BlockKind k) { return k == BlockKind::Rows ? 2 : 1; }

}  // namespace

std::vector<FusedBlock> fuse_pass(const std::vector<Op>& ops, const std::vector<int>& pass_ops,
                                  uint64_t local) {
  struct Open {
    FusedBlock block;
    BlockKind kind = BlockKind::None;  // None: one op that joins nothing
    uint64_t bits = 0;                 // row bits counted against the kind's limit
    uint64_t touched = 0;              // every physical bit its ops touch
    bool alive = true;
  };
  std::vector<Open> blocks;
  int last[64];  // per physical bit: the block that touched it last, -1: none
  std::fill(last, last + 64, -1);
  auto set_last = [&](uint64_t touched, int b) {
    for (int q = 0; q < 64; ++q)
      if ((touched >> q) & 1) last[q] = b;
  };
  auto is_last_on_all = [&](int b) {  // block b touched each of its bits last
    for (int q = 0; q < 64; ++q)
      if (((blocks[b].touched >> q) & 1) && last[q] != b) return false;
    return true;
  };
  for (int o : pass_ops) {
    const Op& op = ops[o];
    const Fusable f = fusable(op, local);
    const uint64_t touched = op_touched_bits(op);
    std::vector<int> before;  // the blocks that last touched the op's qubits
    for (int q = 0; q < 64; ++q)
      if (((touched >> q) & 1) && last[q] >= 0 &&
          std::find(before.begin(), before.end(), last[q]) == before.end())
        before.push_back(last[q]);
    if (f.kind != BlockKind::None) {
      const int limit = max_bits(f.kind);
      // join the one earlier block that touched its qubits last, in place
      if (before.size() == 1 && blocks[before[0]].kind == f.kind &&
          __builtin_popcountll(blocks[before[0]].bits | f.bits) <= limit) {
        Open& b = blocks[before[0]];
        b.block.ops.push_back(o);
        b.bits |= f.bits;
        b.touched |= touched;
        set_last(touched, before[0]);
        continue;
      }
      // or merge the blocks of its kind that last touched its qubits (and nothing after
      // them touched theirs) into a new block at the end
      std::sort(before.begin(), before.end());
      Open merged;
      merged.kind = f.kind;
      merged.bits = f.bits;
      merged.touched = touched;
      for (int b : before)
        if (blocks[b].kind == f.kind && is_last_on_all(b) &&
            __builtin_popcountll(merged.bits | blocks[b].bits) <= limit) {
          merged.bits |= blocks[b].bits;
          merged.touched |= blocks[b].touched;
          merged.block.ops.insert(merged.block.ops.end(), blocks[b].block.ops.begin(),
                                  blocks[b].block.ops.end());
          blocks[b].alive = false;
        }
      merged.block.ops.push_back(o);
      blocks.push_back(std::move(merged));
      set_last(blocks.back().touched, int(blocks.size()) - 1);
      continue;
    }
    Open single;
    single.block.ops = {o};
    single.touched = touched;
    blocks.push_back(std::move(single));
    set_last(touched, int(blocks.size()) - 1);
  }
  std::vector<FusedBlock> out;
  for (Open& b : blocks) {
    if (!b.alive) continue;
    if (b.kind != BlockKind::None && b.block.ops.size() > 1) {
      b.block.kind = b.kind;
      if (b.bits != 0) b.block.bit_lo = __builtin_ctzll(b.bits);
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

namespace {

// The 2x2 an op applies in lane l (rows blocks): identity where a lane control is off, a
// phase on a lane target's value.
Mat2 lane_matrix(const Op& op, const cdouble* m, int l) {
  if ((l & op.lane_ctrl) != op.lane_ctrl) return identity2();
  if (op.lane_target >= 0) {
    const cdouble d = (l >> op.lane_target) & 1 ? m[3] : m[0];
    return {d, 0.0, 0.0, d};
  }
  return {m[0], m[1], m[2], m[3]};
}

using LaneMat = std::array<cdouble, L * L>;

}  // namespace

std::vector<cdouble> block_coefficients(const FusedBlock& block, const std::vector<Op>& ops,
                                        const std::vector<std::vector<cdouble>>& mats) {
  std::vector<cdouble> out;
  if (block.kind == BlockKind::Rows) {
    const bool one_bit = block.bit_hi < 0;
    const int count = one_bit ? 4 : 16;
    out.assign(size_t(count) * L, 0.0);
    for (int l = 0; l < L; ++l) {
      Mat4 m = identity4();
      Mat2 m2 = identity2();
      for (size_t i = 0; i < block.ops.size(); ++i) {
        const Op& op = ops[block.ops[i]];
        if (op.type == OpType::Matrix2) {
          m = mat4_mul(embed_op(op, mats[i].data(), block.bit_hi, block.bit_lo), m);
          continue;
        }
        const Mat2 u = lane_matrix(op, mats[i].data(), l);
        if (one_bit) {
          m2 = mat_mul(u, m2);
        } else {
          m = mat4_mul(embed_op(op, u.data(), block.bit_hi, block.bit_lo), m);
        }
      }
      for (int e = 0; e < count; ++e) out[size_t(e) * L + l] = one_bit ? m2[e] : m[e];
    }
    return out;
  }
  // Lanes: an 8x8 per value of the row control
  const int variants = block.bit_lo >= 0 ? 2 : 1;
  out.assign(size_t(variants) * L * L, 0.0);
  for (int v = 0; v < variants; ++v) {
    LaneMat m{};
    for (int l = 0; l < L; ++l) m[l * L + l] = 1.0;
    for (size_t i = 0; i < block.ops.size(); ++i) {
      const Op& op = ops[block.ops[i]];
      if (op.ctrl != 0 && v == 0) continue;  // its row control is off in this variant
      const int s = 1 << op.bit2;
      LaneMat g{};
      for (int l = 0; l < L; ++l) {
        if ((l & op.lane_ctrl) != op.lane_ctrl) {
          g[l * L + l] = 1.0;
          continue;
        }
        const int t = (l >> op.bit2) & 1;
        g[l * L + (l & ~s)] = mats[i][t * 2 + 0];
        g[l * L + (l | s)] = mats[i][t * 2 + 1];
      }
      LaneMat gm{};
      for (int r = 0; r < L; ++r)
        for (int k = 0; k < L; ++k)
          for (int c = 0; c < L; ++c) gm[r * L + c] += g[r * L + k] * m[k * L + c];
      m = gm;
    }
    for (int k = 0; k < L; ++k)
      for (int l = 0; l < L; ++l) out[(size_t(v) * L + k) * L + l] = m[l * L + (l ^ k)];
  }
  return out;
}

LaneStages lane_stages(const FusedBlock& block, const std::vector<Op>& ops,
                       const std::vector<std::vector<cdouble>>& mats) {
  const int variants = block.bit_lo >= 0 ? 2 : 1;
  LaneStages out;
  std::vector<int> pending;  // a permutation not yet emitted: [variants][L], x[pending[l]]
  auto flush = [&] {
    bool identity = true;
    for (size_t e = 0; e < pending.size(); ++e) identity = identity && pending[e] == int(e % L);
    if (!pending.empty() && !identity) {
      out.lane_bits.push_back(-1);
      out.perms.insert(out.perms.end(), pending.begin(), pending.end());
    }
    pending.clear();
  };
  for (size_t i = 0; i < block.ops.size(); ++i) {
    const Op& op = ops[block.ops[i]];
    const int s = 1 << op.bit2;
    // a[v][l], b[v][l]: lane l <- a x[l] + b x[l ^ s]; the identity where a control is off
    std::vector<cdouble> a(size_t(variants) * L, 1.0), b(size_t(variants) * L, 0.0);
    for (int v = 0; v < variants; ++v) {
      if (op.ctrl != 0 && v == 0) continue;  // its row control is off in this variant
      for (int l = 0; l < L; ++l) {
        if ((l & op.lane_ctrl) != op.lane_ctrl) continue;
        const int t = (l >> op.bit2) & 1;
        a[v * L + l] = mats[i][t * 2 + t];
        b[v * L + l] = mats[i][t * 2 + 1 - t];
      }
    }
    bool permutation = true;  // every lane takes exactly one input, unscaled
    for (size_t e = 0; e < a.size(); ++e)
      permutation = permutation && ((a[e] == 1.0 && b[e] == 0.0) || (a[e] == 0.0 && b[e] == 1.0));
    if (permutation) {  // composed after the pending one: x[pending[q[l]]]
      if (pending.empty())
        for (int v = 0; v < variants; ++v)
          for (int l = 0; l < L; ++l) pending.push_back(l);
      std::vector<int> next(pending.size());
      for (int v = 0; v < variants; ++v)
        for (int l = 0; l < L; ++l) {
          const int q = a[v * L + l] == 1.0 ? l : l ^ s;
          next[v * L + l] = pending[v * L + q];
        }
      pending.swap(next);
      continue;
    }
    flush();
    out.lane_bits.push_back(op.bit2);
    for (int v = 0; v < variants; ++v) {
      out.coeffs.insert(out.coeffs.end(), a.begin() + v * L, a.begin() + (v + 1) * L);
      out.coeffs.insert(out.coeffs.end(), b.begin() + v * L, b.begin() + (v + 1) * L);
    }
  }
  flush();
  return out;
}

}  // namespace msq::quantum::detail
