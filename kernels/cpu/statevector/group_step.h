// The plan of one pair step inside a group of rows (see pair_groups.h): its quads' row
// offsets, shared by the AVX2 templates and the AVX-512 kernels.
#pragma once
#include <cstdint>

#include "kernels/statevector.h"

namespace msq::sv::cpu {

// The offsets (in R) of one step's quads within a group: quad q's input rows (in_a1, in_b1,
// in_a2, in_b2) at from_base[q] + in[0..3], its outputs (y0..y3) at to_base[q] + out[0..3].
struct GroupStep {
  int64_t in[4], out[4];
  int64_t from_base[1 << (kMaxGroupBits - 2)], to_base[1 << (kMaxGroupBits - 2)];
};

}  // namespace msq::sv::cpu
