#include "engine/quantum/pass_plan.h"

#include <algorithm>

#include "engine/quantum/runner.h"

namespace msq::quantum::detail {

namespace {
uint64_t row(int bit) { return uint64_t(1) << bit; }
}  // namespace

uint64_t op_local_rows(const Op& op) {
  switch (op.type) {
    case OpType::Swap:
    case OpType::Matrix2: return row(op.bit) | row(op.bit2);
    case OpType::LaneMatrix1: return 0;  // its target is in the lanes
    default: return row(op.bit);  // the target, the lane swap's row bit, or a phase carrier
  }
}

uint64_t op_touched_bits(const Op& op) {
  uint64_t rows = op.ctrl;
  rows |= op_local_rows(op);
  uint64_t lanes = uint64_t(op.lane_ctrl);
  if (op.lane_target >= 0) lanes |= uint64_t(1) << op.lane_target;
  if (op.type == OpType::LaneSwap || op.type == OpType::LaneMatrix1)
    lanes |= uint64_t(1) << op.bit2;
  return (rows << (kLaneBits + 1)) | lanes;
}

namespace {

// One pass by the greedy rule with the lowest `low_rows` row bits always local; `later` gets
// the ops left for the passes after it.
Pass greedy_pass(const std::vector<Op>& ops, const std::vector<int>& left, int rows,
                 int local_rows, int low_rows, std::vector<int>* later) {
  const uint64_t low = row(low_rows) - 1;
  // every physical bit (the plane bit kLaneBits counts as touched: it is in the folded layout)
  const uint64_t plane = uint64_t(1) << kLaneBits;
  const uint64_t all_bits = (uint64_t(1) << (rows + kLaneBits + 1)) - 1;
  Pass pass;
  pass.low_rows = low_rows;
  uint64_t local = low, blocked = 0;  // blocked: qubits of ops left for a later pass
  int free = local_rows - low_rows;
  later->clear();
  for (size_t j = 0; j < left.size(); ++j) {
    const Op& op = ops[left[j]];
    const uint64_t touched = op_touched_bits(op), need = op_local_rows(op);
    const int extra = __builtin_popcountll(need & ~local);
    const bool fits = extra <= free;
    if ((blocked | plane) == all_bits) {  // nothing further can move ahead
      later->insert(later->end(), left.begin() + j, left.end());
      break;
    }
    if ((touched & blocked) == 0 && fits) {
      local |= need;
      free -= extra;
      pass.ops.push_back(left[j]);
    } else {
      blocked |= touched;
      later->push_back(left[j]);
    }
  }
  if (pass.ops.empty()) {  // the first op needs more bits than a chunk has: in place
    pass.ops.push_back(later->front());
    later->erase(later->begin());
    local = 0;
  }
  pass.local = local;
  return pass;
}

}  // namespace

std::vector<Pass> plan_passes(const std::vector<Op>& ops, int rows, int local_rows,
                              int low_rows) {
  std::vector<Pass> passes;
  std::vector<int> left(ops.size()), later, best_later;
  for (size_t i = 0; i < ops.size(); ++i) left[i] = int(i);
  while (!left.empty()) {
    // fewer forced low bits leave room for a window of higher bits (a CNOT ring's front far
    // from the low bits): the candidate that takes the most ops, the most low bits on a tie
    Pass best;
    for (int low = low_rows; low >= std::max(low_rows - 3, 0); low -= 3) {
      Pass pass = greedy_pass(ops, left, rows, local_rows, low, &later);
      if (best.ops.empty() || pass.ops.size() > best.ops.size()) {
        best = std::move(pass);
        best_later.swap(later);
      }
    }
    passes.push_back(std::move(best));
    left.swap(best_later);
  }
  return passes;
}

}  // namespace msq::quantum::detail
