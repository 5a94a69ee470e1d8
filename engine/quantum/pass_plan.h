// Internal to engine/quantum: groups the ops of a single large state (single-state layout,
// runner.h) into passes over memory.
//
// A pass holds a set of "local" row bits: the lowest `low_rows` row bits (contiguous runs of
// rows) plus up to local_rows - low_rows higher ones. The runner gathers each chunk of
// 2^|local| rows that agree on every other row bit into a cache-sized buffer, applies all
// the pass's ops there, and scatters it back: one read and one write of the state per pass
// whatever the number of ops. An op fits a pass when the rows it mixes (its targets) are
// local; its controls may lie outside (the chunk then either satisfies them or skips it).
//
// Ops may run in a pass ahead of earlier ops still waiting for a later pass only when they
// share no qubit with them (they commute), so the result is that of the op order.
#pragma once
#include <cstdint>
#include <vector>

namespace msq::quantum::detail {

struct Op;

struct Pass {
  uint64_t local = 0;    // the row bits held in the chunk buffer; 0: ops[0] alone, in place
  int low_rows = 0;      // its lowest low_rows row bits (all in `local`): contiguous runs
  std::vector<int> ops;  // indices into the op list, in application order
};

// The row bits an op needs in the chunk (the rows it mixes).
uint64_t op_local_rows(const Op& op);
// Every physical bit an op reads or changes: lane bits 0..2, the plane bit 3 (a LaneSwap on
// lane bit 3 in the folded layout, runner.h), row bit r at 4 + r.
uint64_t op_touched_bits(const Op& op);

// Greedy: each pass takes, in order, every op that fits the local bits chosen so far (or
// that still has room to add its bits) and shares no qubit with an op left for later; with
// low_rows or low_rows - 3 low bits forced local, whichever takes more ops.
std::vector<Pass> plan_passes(const std::vector<Op>& ops, int rows, int local_rows,
                              int low_rows);

}  // namespace msq::quantum::detail
