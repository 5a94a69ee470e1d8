// Kernels for one large state (engine/quantum/large_state.h), plain C++ interface:
//   psi: [2^n][2] R (re, im), device memory, legacy default stream.
// run_tile_passes: fused passes (kernels/common/sv_tile.h), uploaded in one copy, then one
// launch each: a block per tile of 2^k amplitudes in shared memory, every gate of the pass
// applied there, one read and one write of the state per pass. z_expectation: <Z> on a bit (a sign
// mask) by one reduction over the state (per-block partials summed in a fixed order).
// probabilities: out[i] = |psi_i|^2.
#pragma once
#include <cstdint>

#include "kernels/common/sv_tile.h"

namespace msq::cuda {

template <class R>
void run_tile_passes(R* psi, int n, const sv::TilePass* passes, int count);

template <class R>
double z_expectation(const R* psi, int n, uint64_t zmask);

template <class R>
void probabilities(const R* psi, int n, R* out);

}  // namespace msq::cuda
