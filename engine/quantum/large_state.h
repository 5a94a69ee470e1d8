// One large state on the GPU (n from 15 up to the card's memory): gates are queued and run
// in fused passes (kernels/common/sv_tile.h): each pass gathers tiles of 2^11 amplitudes
// (the lowest 5 bits, for coalesced runs, plus up to 6 target bits), applies up to 32 queued
// gates there and writes back, so a pass costs one read and one write of the state however
// many gates it holds. Expectation values and probabilities are reductions that read the
// state once. complex64 or complex128.
//
//   LargeState s(26);            // |0...0> on the current CUDA device
//   s.ry(3, 0.5); s.cnot(3, 4);  // queued
//   double z = s.expval_z(4);    // runs the queue, then one reduction
//
// plan_tile_passes() is the planner on its own (plain C++, tested on the CPU).
#pragma once
#include <vector>

#include "engine/core/tensor.h"
#include "engine/quantum/gate_matrices.h"
#include "engine/quantum/simulator.h"
#include "kernels/common/sv_tile.h"

namespace msq::quantum {

// A queued gate in global bits (bit = n - 1 - wire): a 2x2 on `bit`, or a CNOT.
struct TileQueuedGate {
  bool cnot = false;
  int bit = 0;
  int ctrl_bit = 0;
  Mat2 m{};
};

// Splits the gates into passes: a pass takes gates, from the first one pending and looking
// up to 512 gates ahead, while the bits they touch outside the lowest kTileLowBits fit its
// kTileBits - kTileLowBits free bits (up to kMaxTileGates gates, consecutive 2x2s on one bit
// joined); a gate is only pulled ahead of gates it commutes with (no shared bit). Unused
// tile bits are the lowest free ones. n >= 1 (tiles of min(n, kTileBits) bits).
std::vector<sv::TilePass> plan_tile_passes(const std::vector<TileQueuedGate>& gates, int n);

class LargeState {
 public:
  explicit LargeState(int n, Precision precision = Precision::Complex64);
  int n() const { return n_; }

  void reset();  // |0...0>, the queue emptied
  void apply(int wire, const Mat2& m);
  void ry(int wire, double theta);
  void rx(int wire, double theta);
  void rz(int wire, double theta);
  void h(int wire);
  void cnot(int control, int target);
  void flush();  // runs the queued gates

  double expval_z(int wire);          // <Z_wire>
  Tensor probabilities();             // [2^n] on the device, the precision's real type
  std::vector<cdouble> amplitudes();  // a host copy (tests, small n)
  const Tensor& state() {
    flush();
    return psi_;
  }  // [2^n, 2] on the device

 private:
  int bit(int wire) const;

  int n_;
  Precision precision_;
  Tensor psi_;
  std::vector<TileQueuedGate> queue_;
};

}  // namespace msq::quantum
