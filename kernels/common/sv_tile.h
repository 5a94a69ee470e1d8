// Fused passes over a large state (engine/quantum/large_state.h): a pass gathers "tiles" of
// 2^k amplitudes (every combination of k chosen bits, the others fixed by the tile number),
// applies a list of gates on those bits in fast memory, and writes the tile back: each pass
// reads and writes the state once, whatever its number of gates. The chosen bits always
// include the lowest kTileLowBits, so a tile is runs of 2^kTileLowBits consecutive
// amplitudes (coalesced); the others are the high target bits of the pass's gates.
// Shared by the CUDA kernel (kernels/cuda/statevector/large_state.cu) and the host emulation
// that tests the planner.
#pragma once
#include <cstdint>

#include "kernels/common/host_device.h"
#include "kernels/common/sv_program.h"

namespace msq::sv {

inline constexpr int kTileLowBits = 5;    // 32 consecutive amplitudes per run
inline constexpr int kTileBits = 11;      // 2^11 amplitudes per tile
inline constexpr int kMaxTileGates = 32;  // gates per pass (kernel parameter space)

enum TileGateType : int32_t { kTileMatrix = 0, kTileCnot = 1 };

// Plain aggregates (no member initialisers: the CUDA side keeps one in __constant__
// memory); value-initialise them (TilePass p{}).
struct TileGate {
  int32_t type;      // TileGateType
  int32_t bit;       // local target bit
  int32_t ctrl_bit;  // local control bit (CNOT)
  int32_t pad;
  double m[8];  // 2x2 row-major, (re, im) pairs
};

struct TilePass {
  int32_t k;                // tile bits
  int32_t bits[kTileBits];  // the global bit of local bit j, ascending
  int32_t n_gates;
  TileGate gates[kMaxTileGates];
};

// The global index of local index `local` in tile `tile`.
MSQ_HD uint64_t tile_index(const TilePass& p, uint64_t tile, uint32_t local) {
  uint64_t g = tile;
  for (int j = 0; j < p.k; ++j) g = insert_zero_bit(g, p.bits[j]);
  for (int j = 0; j < p.k; ++j)
    if ((local >> j) & 1u) g |= uint64_t(1) << p.bits[j];
  return g;
}

// Applies item q (a pair, 0 <= q < 2^(k-1)) of gate `gate` to a tile t: [2^k].
template <class R>
MSQ_HD void apply_tile_gate_item(Cx<R>* t, const TileGate& gate, uint32_t q) {
  const uint32_t i0 = uint32_t(insert_zero_bit(q, gate.bit));
  const uint32_t i1 = i0 | (1u << gate.bit);
  if (gate.type == kTileCnot) {
    if ((i0 >> gate.ctrl_bit) & 1u) {
      const Cx<R> a = t[i0];
      t[i0] = t[i1];
      t[i1] = a;
    }
    return;
  }
  M2<R> m;
  for (int e = 0; e < 4; ++e) m.m[e] = cx<R>(R(gate.m[2 * e]), R(gate.m[2 * e + 1]));
  Cx<R> a0 = t[i0], a1 = t[i1];
  apply_m2(m, a0, a1);
  t[i0] = a0;
  t[i1] = a1;
}

}  // namespace msq::sv
