// Internal to engine/quantum: a Circuit compiled into kernel calls ("ops", fused or not) and
// a Runner that executes them on tiles of kLanes samples. The simulator and the gradient
// methods are written on top of this.
//
// Parameters reach the runner as an angle table theta: [rows][n_slots] (one row per
// simulated sample, one slot per gate parameter). A slot whose column is the same in every
// row ("shared": weights, constants) gets its matrix built once per run; the others per lane.
#pragma once
#include <algorithm>
#include <cmath>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "engine/core/error.h"
#include "engine/quantum/fusion.h"
#include "engine/quantum/gate_matrices.h"
#include "engine/quantum/pass_plan.h"
#include "engine/quantum/simulator.h"
#include "kernels/statevector.h"

namespace msq::quantum::detail {

constexpr int L = sv::kLanes;

struct Op {
  OpType type = OpType::Matrix1;
  int bit = 0;   // target bit (Matrix2: the bit of wires[0]; LaneSwap: the row bit)
  int bit2 = 0;  // Swap: the other bit; Matrix2: the bit of wires[1]; LaneSwap: the lane bit
  uint64_t ctrl = 0;
  std::vector<int> gates;  // applied in this order (several when fused)
  // single-state layout only: control bits among the lane bits, and a diagonal gate's target
  // when it is a lane bit (applied as a per-lane phase)
  int lane_ctrl = 0;
  int lane_target = -1;
};

inline int wire_bit(int n, int wire) { return n - 1 - wire; }

// One op per gate, or with `fuse` every run of uncontrolled one-qubit gates on a wire (with
// no other gate touching that wire in between) merged into one op at the run's first gate.
std::vector<Op> compile_ops(const Circuit& c, bool fuse);

// The single-state layout: one state of n qubits as one tile of 2^(n - log2 L) rows whose
// lanes hold the physical bits 0..log2(L)-1. Ops get row bits; a gate whose (non-diagonal)
// target sits in the lanes becomes a LaneMatrix1 with `lane_targets` (bit2: the lane bit),
// else is preceded by a LaneSwap that moves it to a row bit (the adjoint method's per-gate
// derivatives need row targets); SWAP gates only relabel. `perm` gets each wire's physical
// bit at the end.
//
// `folded`: the real-state layout of a circuit whose every op keeps a real state real (RY,
// CNOT, H, ...): the 2^n real amplitudes in physical order, [2^(n-4)][2][L] with the plane
// index holding physical bit kLaneBits (no imaginary plane: half the memory traffic). Every
// real kernel treats the two planes alike, so ops get row bits from physical bit
// kLaneBits + 1 on, and a wire on the plane bit moves to a row bit (a LaneSwap on lane bit
// kLaneBits: the planes of two rows exchanged) before a gate touches it.
constexpr int kLaneBits = 3;  // log2(kLanes)
static_assert((1 << kLaneBits) == L);
//
// Without an amplitude embedding the initial state |0...0> reads the same under any wire
// placement, so the wires on row bits start spread (spread_rows), not in order.
std::vector<Op> compile_lane_ops(const Circuit& c, bool fuse, std::vector<int>* perm,
                                 bool lane_targets = false, bool folded = false);
// Rows of the single-state layout are 64 bytes: rows 2^kAliasFreeRows apart (4 KiB, the L1's
// set period on Zen 4 and most x86 cores) share an L1 set, so a pair group whose bits all lie
// at or above that keeps its rows in one set and loses them before it writes them back.
// Measured (bench group_kernel, a 5-step group on a folded 20-qubit state): bits 15..10
// 0.55-0.60 ms, 5..0 0.30, three high and three low 0.31, four high and two low 0.37-0.39.
constexpr int kAliasFreeRows = 6;
// phys (wire -> physical bit, row bits from row0) <- wires 0 .. n - row0 - 1 on the row bits
// with the low ones (below kAliasFreeRows) spread evenly along the wire order, the order a
// CNOT chain walks: a group along consecutive wires then takes some low bits. The other
// wires (the lanes) keep their bits.
void spread_rows(int n, int row0, std::vector<int>& phys);
// The folded layout needs this many qubits at least (room to move wires off the plane bit).
constexpr int kFoldedMinQubits = kLaneBits + 4;
// The most bits of one pair group in a pass (apply_real_pairs_group). Measured on the
// 20-qubit rings with the state in one chunk: 6 bits 0.054-0.057 ms/gate (RY), 4 bits
// 0.058-0.064, 3 bits 0.064-0.065; 7 bits within noise of 6 for RY and 0.112-0.118 against
// 0.127-0.137 for RX (17 row bits: three groups of 7 a layer instead of four of 6, a sweep
// less). Helper run, machine shared.
constexpr int kPairGroupBits = sv::kMaxGroupBits;
// A state of at least this many qubits (2^18 amplitudes) spreads its passes' chunks over
// the threads; a smaller one stays on the calling thread.
constexpr int kParallelQubits = 18;
// The chunks of the single-state layout's passes (pass_plan.h) for a state of `row_bits`
// row bits of R = float or double: local_rows row bits per chunk (all of them without
// cache blocking), the lowest low_rows of them in every chunk (contiguous runs; a pass may
// take low_rows - 3 instead, pass_plan.h). A state of at most 2^kWholeStateBytesLog2 bytes
// is one chunk: its fused blocks run in place, with no copies (the state stays in the
// caches between blocks). Without cache blocking (`blocked` false) the ops run one by one.
struct ChunkShape {
  int local_rows, low_rows;
  bool blocked;
};
// Measured on the RY / RX rings (Zen 4, 1 MiB L2, 32 MiB L3): one chunk won up to 8 MiB
// (20 qubits complex64: 0.16 against 0.20 ms/gate for RX; 21 folded: 0.15 against 0.17),
// tied at 16 MiB and lost at 32 MiB.
constexpr int kWholeStateBytesLog2 = 23;
// With several threads (a state of kParallelQubits or more) such a state is cut in one
// chunk per thread instead: one fork per pass, not one per block.
inline ChunkShape chunk_shape(int row_bits, size_t real_size, const SimOptions& o, int qubits) {
  if (!o.cache_blocking) return {row_bits, row_bits, false};
  const int row_bytes_log2 = real_size == 4 ? 6 : 7;  // 2 * L reals per row
  int local = std::min(row_bits, 19 - row_bytes_log2);  // 512 KiB
  if (row_bits + row_bytes_log2 <= kWholeStateBytesLog2) {
    int split = 0;  // log2 of the thread count, rounded up
    while (qubits >= kParallelQubits && (1 << split) < omp_get_max_threads()) ++split;
    local = std::max(row_bits - split, 1);
  }
  if (o.chunk_row_bits > 0) local = std::min(o.chunk_row_bits, row_bits);
  return {local, std::min(local / 2, 5), true};
}
// Whether a run uses the single-state layout.
inline bool use_lane_layout(const Circuit& c, int64_t batch, const SimOptions& o) {
  return batch == 1 && c.n_wires() >= std::max(o.single_state_min_qubits, kLaneBits + 2);
}
// Errors (before any thread starts) when `states` tiles of n index bits of R would not fit
// in the machine's memory: a clear message instead of an allocation failure in a thread.
void check_memory(int n, size_t real_size, int64_t states, const char* op);

// First slot of each gate.
std::vector<int> slot_offsets(const Circuit& c);

// theta: [B][n_slots] from the batch (value = scale * source).
std::vector<double> resolve_angles(const Circuit& c, const Batch& batch);

// The initial state of one sample from the amplitude embedding: the padded, normalised
// vector (length 2^n) and the norm before normalising. Errors on a zero or non-finite vector.
std::vector<double> embedded_amplitudes(const Circuit& c, const double* x, double* norm);

// The storage of a state: 64-byte aligned (whole cache lines; streaming stores need 32).
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  // Elements are left uninitialised (the runner prepares every state before use).
  template <class U>
  void construct(U*) noexcept {}
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  T* allocate(size_t n) {
    void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const { return false; }
};
template <class R>
using StateStorage = std::vector<R, AlignedAllocator<R>>;

template <class R>
const sv::StatevectorKernels<R>& kernels();
template <>
inline const sv::StatevectorKernels<float>& kernels<float>() {
  return sv::cpu_statevector_kernels_c64();
}
template <>
inline const sv::StatevectorKernels<double>& kernels<double>() {
  return sv::cpu_statevector_kernels_c128();
}

// A lane-complex block [count][2][L] filled from per-lane matrices.
template <class R, size_t N>
void fill_block(R* block, const std::array<cdouble, N>* per_lane, const int* entries, int count) {
  for (int e = 0; e < count; ++e)
    for (int l = 0; l < L; ++l) {
      block[(2 * e) * L + l] = R(per_lane[l][entries[e]].real());
      block[(2 * e + 1) * L + l] = R(per_lane[l][entries[e]].imag());
    }
}

template <class R>
class Runner {
 public:
  // theta: [rows][n_slots]; inputs: [samples][n_inputs] (amplitude embedding); row_sample
  // maps a row to its sample (empty: identity).
  // With `perm` (from compile_lane_ops), the single-state layout: one row, lanes = qubits.
  // `folded` (with perm): the folded real-state layout (compile_lane_ops), ops compiled so.
  Runner(const Circuit& c, std::vector<Op> ops, const double* theta, int64_t rows,
         const double* inputs, std::vector<int64_t> row_sample = {},
         std::vector<int> perm = {}, bool folded = false)
      : c_(c), k_(kernels<R>()), n_(c.n_wires()), ops_(std::move(ops)), theta_(theta),
        rows_(rows), inputs_(inputs), row_sample_(std::move(row_sample)),
        slots_(slot_offsets(c)), perm_(std::move(perm)), folded_(folded) {
    if (!perm_.empty()) {
      check(rows == 1, "quantum", "the single-state layout holds one sample");
      n_ -= folded_ ? kLaneBits + 1 : kLaneBits;
    }
    const int S = c.n_slots();
    shared_.assign(S, 1);
    for (int s = 0; s < S; ++s)
      for (int64_t r = 1; r < rows && shared_[s]; ++r)
        if (theta[r * S + s] != theta[s]) shared_[s] = 0;
    const auto& gates = c.gates();
    gate_shared_.assign(gates.size(), 1);
    shared_mat_.resize(gates.size());
    for (size_t g = 0; g < gates.size(); ++g) {
      for (size_t p = 0; p < gates[g].params.size(); ++p)
        if (!shared_[slots_[g] + p]) gate_shared_[g] = 0;
      if (gate_shared_[g] && has_target_matrix(g))
        shared_mat_[g] = target_matrix(gates[g], rows > 0 ? theta + slots_[g] : nullptr);
    }
    // per one-qubit op: its gates as factors, consecutive shared gates multiplied once here;
    // an op with no per-sample gate gets its kernel blocks (and their inverse) ready
    plans_.resize(ops_.size());
    for (size_t i = 0; i < ops_.size(); ++i) {
      const Op& op = ops_[i];
      if (op.type != OpType::Matrix1 && op.type != OpType::Diagonal1 &&
          op.type != OpType::LaneMatrix1)
        continue;
      OpPlan& plan = plans_[i];
      for (int g : op.gates) {
        if (gate_shared_[g] && !plan.factors.empty() && plan.factors.back().gate < 0) {
          plan.factors.back().mat = mat_mul(shared_mat_[g], plan.factors.back().mat);
        } else if (gate_shared_[g]) {
          plan.factors.push_back({-1, shared_mat_[g]});
        } else {
          plan.factors.push_back({g, identity2()});
        }
      }
      if (plan.factors.size() == 1 && plan.factors[0].gate < 0 &&
          op.type != OpType::LaneMatrix1) {
        plan.ready = true;
        Mat2 m[L], mi[L];
        for (int l = 0; l < L; ++l) {
          m[l] = plan.factors[0].mat;
          mi[l] = dagger(m[l]);
        }
        fill_op_block(op, m, plan.block);
        fill_op_block(op, mi, plan.inverse_block);
        if (op.type == OpType::Matrix1) {
          plan.real = true;
          for (int e = 0; e < 4; ++e)
            for (int l = 0; l < L; ++l) {
              plan.real = plan.real && plan.block[(2 * e + 1) * L + l] == R(0);
              plan.real_block[e * L + l] = plan.block[(2 * e) * L + l];
              plan.real_inverse[e * L + l] = plan.inverse_block[(2 * e) * L + l];
            }
        }
      }
    }
  }

  int n() const { return n_; }
  bool lane_layout() const { return !perm_.empty(); }
  const std::vector<int>& perm() const { return perm_; }
  int64_t tiles() const { return (rows_ + L - 1) / L; }
  size_t tile_values() const { return size_t(2 * L) << n_; }
  const sv::StatevectorKernels<R>& k() const { return k_; }
  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<int>& slots() const { return slots_; }
  // The row a lane of a tile simulates (padding lanes repeat the last row).
  int64_t row(int64_t tile, int lane) const { return std::min(tile * L + lane, rows_ - 1); }
  int64_t sample(int64_t row) const { return row_sample_.empty() ? row : row_sample_[row]; }
  const double* angles(int64_t row, int gate) const {
    return theta_ + row * c_.n_slots() + slots_[gate];
  }

  bool gate_shared(int g) const { return gate_shared_[g] != 0; }
  bool has_target_matrix(size_t g) const {
    const OpType t = op_type(c_.gates()[g].kind);
    return t == OpType::Matrix1 || t == OpType::Diagonal1 || t == OpType::X;
  }
  // The target matrix of gate g for every lane of a tile.
  void gate_matrices(int64_t tile, int g, Mat2* out) const {
    if (gate_shared_[g]) {
      for (int l = 0; l < L; ++l) out[l] = shared_mat_[g];
      return;
    }
    for (int l = 0; l < L; ++l) out[l] = target_matrix(c_.gates()[g], angles(row(tile, l), g));
  }

  // psi <- the initial state of a tile.
  void prepare(int64_t tile, R* psi) const {
    if (lane_layout()) {  // physical index = logical index at the start: row << 3 | lane
      const int64_t dim = int64_t(1) << c_.n_wires();
      std::fill(psi, psi + tile_values(), R(0));
      if (!c_.embedding()) {
        psi[0] = R(1);
        return;
      }
      double norm;
      const std::vector<double> a = embedded_amplitudes(c_, inputs_, &norm);
      for (int64_t i = 0; i < dim; ++i) {  // folded: the real amplitudes in physical order
        psi[folded_ ? i : ((i >> kLaneBits) * 2) * L + (i & (L - 1))] = R(a[i]);
      }
      return;
    }
    if (!c_.embedding()) {
      k_.set_zero_state(psi, n_);
      return;
    }
    const int64_t dim = int64_t(1) << n_;
    for (int l = 0; l < L; ++l) {
      double norm;
      const int64_t s = sample(row(tile, l));
      const std::vector<double> a =
          embedded_amplitudes(c_, inputs_ + s * c_.n_inputs(), &norm);
      for (int64_t i = 0; i < dim; ++i) {
        psi[(i * 2) * L + l] = R(a[i]);
        psi[(i * 2 + 1) * L + l] = R(0);
      }
    }
  }

  // Applies op (or its inverse) to psi.
  void apply(int64_t tile, const Op& op, R* psi, bool inverse = false) const {
    apply_rows(tile, op, psi, n_, op.ctrl, inverse);
  }

  // Applies op to the 2^n rows at psi with the given control mask (a chunk of the state).
  void apply_rows(int64_t tile, const Op& op, R* psi, int n, uint64_t ctrl,
                  bool inverse = false) const {
    apply_at(tile, op, op.bit, op.bit2, psi, n, ctrl, inverse);
  }

  // The same with the op's bits given (bit, bit2: as in Op, moved into a chunk's bits).
  // planes: 1 when psi's imaginary plane is zero (a real kernel then skips it).
  void apply_at(int64_t tile, const Op& op, int bit, int bit2, R* psi, int n, uint64_t ctrl,
                bool inverse = false, int planes = 2) const {
    switch (op.type) {
      case OpType::X: k_.apply_x(psi, n, bit, ctrl); return;
      case OpType::LaneSwap: k_.swap_lane_bit(psi, n, bit2, bit); return;
      case OpType::LaneMatrix1: {
        alignas(64) R ab[4 * L];
        const bool real = lane_coeffs(op, bit2, inverse, ab);
        k_.apply_lane_matrix1(psi, n, bit2, ctrl, ab, real);
        return;
      }
      case OpType::Swap: k_.apply_swap(psi, n, bit, bit2, ctrl); return;
      case OpType::Matrix2: {
        const Gate& g = c_.gates()[op.gates[0]];
        alignas(64) R block[16 * 2 * L];
        for (int e = 0; e < 16; ++e) {
          const int src = inverse ? (e % 4) * 4 + e / 4 : e;
          const cdouble z = inverse ? std::conj(g.matrix[src]) : g.matrix[src];
          for (int l = 0; l < L; ++l) {
            block[(2 * e) * L + l] = R(z.real());
            block[(2 * e + 1) * L + l] = R(z.imag());
          }
        }
        bool real = true;
        for (const cdouble& z : g.matrix) real = real && z.imag() == 0.0;
        if (real) {  // the folded layout needs the real kernel (its planes are two rows)
          alignas(64) R real_block[16 * L];
          for (int e = 0; e < 16; ++e)
            for (int l = 0; l < L; ++l) real_block[e * L + l] = block[(2 * e) * L + l];
          k_.apply_real_matrix2(psi, n, bit, bit2, real_block, planes);
          return;
        }
        k_.apply_matrix2(psi, n, bit, bit2, block);
        return;
      }
      case OpType::Matrix1:
      case OpType::Diagonal1: {
        const OpPlan& plan = plans_[&op - ops_.data()];
        if (plan.real) {
          k_.apply_real_matrix1(psi, n, bit, ctrl, inverse ? plan.real_inverse : plan.real_block,
                                planes);
          return;
        }
        alignas(64) R lane_block[4 * 2 * L];
        const R* block = inverse ? plan.inverse_block : plan.block;
        if (!plan.ready) {
          Mat2 m[L];
          for (int l = 0; l < L; ++l) m[l] = identity2();
          for (const Factor& f : plan.factors) {
            if (f.gate < 0) {
              for (int l = 0; l < L; ++l) m[l] = mat_mul(f.mat, m[l]);
              continue;
            }
            for (int l = 0; l < L; ++l)
              m[l] = mat_mul(target_matrix(c_.gates()[f.gate], angles(row(tile, l), f.gate)), m[l]);
          }
          if (inverse)
            for (int l = 0; l < L; ++l) m[l] = dagger(m[l]);
          fill_op_block(op, m, lane_block);
          block = lane_block;
        }
        if (op.type == OpType::Diagonal1) {
          k_.apply_diagonal1(psi, n, bit, ctrl, block);
        } else {
          k_.apply_matrix1(psi, n, bit, ctrl, block);
        }
        return;
      }
    }
  }

  void run(int64_t tile, R* psi) const {
    prepare(tile, psi);
    for (const Op& op : ops_) apply(tile, op, psi);
  }

  // The single-state layout by passes (pass_plan.h): each pass gathers chunks of the state
  // into a cache-sized buffer (local_rows row bits, its lowest low_rows row bits always in),
  // applies its ops there and scatters them back. Chunks go over the threads when the state
  // is large; each chunk's arithmetic is the same whatever the thread count. A chunk that is
  // the whole state: one pass in place up to the first op that makes the state complex,
  // one after it. Unblocked: the ops one by one (the reference the tests compare with).
  void run_passes(R* psi, const ChunkShape& chunk) const {
    prepare(0, psi);
    if (!chunk.blocked) {
      for (const Op& op : ops_) apply(0, op, psi);
      return;
    }
    std::vector<Pass> passes;
    if (chunk.local_rows >= n_) {
      const uint64_t all = (uint64_t(1) << n_) - 1;
      passes.push_back({all, n_, {}});
      for (size_t i = 0; i < ops_.size(); ++i) {
        if (!keeps_real(ops_[i]) && passes.size() == 1) passes.push_back({all, n_, {}});
        passes.back().ops.push_back(int(i));
      }
    } else {
      passes = plan_passes(ops_, n_, chunk.local_rows, chunk.low_rows);
    }
    const int threads = c_.n_wires() >= kParallelQubits ? omp_get_max_threads() : 1;
    std::vector<std::vector<R>> buffers(threads);
    // the initial state is real; while every op so far kept it real (RY, CNOT, ...), the
    // real kernels leave the zero imaginary plane alone (folded: both planes hold amplitudes)
    bool real_state = !folded_;
    for (const Pass& pass : passes) {
      bool real_ops = true;
      for (int o : pass.ops) real_ops = real_ops && keeps_real(ops_[o]);
      real_state = real_state && real_ops;
      if (pass.local == 0 || pass.ops.size() == 1) {
        for (int o : pass.ops) apply(0, ops_[o], psi);
        continue;
      }
      run_pass(psi, pass, pass.low_rows, real_state ? 1 : 2, buffers);
    }
  }

  // Whether every op keeps a real state real (the folded layout can run the circuit).
  bool real_circuit() const {
    for (const Op& op : ops_)
      if (!keeps_real(op)) return false;
    return true;
  }

  // psi: the folded layout (2^N reals in physical order) <- the same state in the complex
  // single-state layout, in place (psi holds 2^N complex values). Stages from the top: the
  // rows of one stage move above every row still to move, so a stage runs in parallel.
  void unfold(R* psi) const {
    const int64_t rows = int64_t(1) << (c_.n_wires() - kLaneBits);  // complex-layout rows
    auto move = [&](int64_t r) {  // folded values [r L, r L + L) -> complex row r
      alignas(64) R v[L];
      for (int l = 0; l < L; ++l) v[l] = psi[r * L + l];
      R* dst = psi + r * 2 * L;
      for (int l = 0; l < L; ++l) {
        dst[l] = v[l];
        dst[L + l] = R(0);
      }
    };
    const bool parallel = c_.n_wires() >= kParallelQubits;
    for (int64_t hi = rows; hi > 1; hi /= 2) {
#pragma omp parallel for schedule(static) if (parallel)
      for (int64_t r = hi / 2; r < hi; ++r) move(r);
    }
    move(0);
  }

  // Whether an op maps real amplitudes to real amplitudes by real arithmetic alone (a real
  // matrix, a permutation of amplitudes).
  bool keeps_real(const Op& op) const {
    auto real = [](const auto& m) {
      for (const cdouble& z : m)
        if (z.imag() != 0.0) return false;
      return true;
    };
    switch (op.type) {
      case OpType::X:
      case OpType::Swap:
      case OpType::LaneSwap: return true;
      case OpType::Matrix1: return plans_[&op - ops_.data()].real;
      case OpType::LaneMatrix1: return real(op_matrix(op));
      case OpType::Matrix2: return real(c_.gates()[op.gates[0]].matrix);
      default: return false;
    }
  }

  // One pass: every chunk gathered, the pass's ops applied to it, scattered back.
  // planes: 1 when the state's imaginary plane is zero and every op of the pass is real.
  void run_pass(R* psi, const Pass& pass, int low_rows, int planes,
                std::vector<std::vector<R>>& buffers) const {
    // the chunk's row bits: low_rows low ones, then the pass's higher local bits in order
    std::vector<int> local_of(n_, -1), high, outside;
    for (int b = 0; b < n_; ++b) {
      if (b < low_rows) {
        local_of[b] = b;
      } else if ((pass.local >> b) & 1) {
        local_of[b] = low_rows + int(high.size());
        high.push_back(b);
      } else {
        outside.push_back(b);
      }
    }
    const int chunk_rows = low_rows + int(high.size());
    std::vector<int64_t> run_start(size_t(1) << high.size());  // row of each run in a chunk
    for (size_t j = 0; j < run_start.size(); ++j) run_start[j] = deposit(int64_t(j), high);
    // the pass's ops fused into blocks; the others on the chunk's bits, with the controls
    // outside the chunk checked per chunk
    const std::vector<FusedBlock> blocks = fuse_pass(ops_, pass.ops, pass.local);
    struct Step {
      const Op* op = nullptr;  // the op, or null: a fused block (`type`, `coeffs`)
      int bit = 0, bit2 = 0;   // on the chunk's bits
      uint64_t inside_ctrl = 0, outside_ctrl = 0;
      BlockKind kind = BlockKind::None;
      bool real = false;
      bool pairs = false;  // a 4x4 of two 2x2s on pairs of rows: apply_(real_)pairs2
      int idx[8] = {};
      // `pairs` steps run as one group (apply_(real_)pairs_group): [count][2] bits, [count][8]
      std::vector<int> group_bits, group_idx;
      // a Lanes block run as stages (apply_lane_stages): their lane bits and permutations
      std::vector<int> stage_bits, stage_perms;
      std::vector<R> coeffs;  // lane coefficients for the block's kernel
    };
    std::vector<Step> steps;
    for (const FusedBlock& block : blocks) {
      if (block.kind != BlockKind::None) {
        auto step_of = [&](const FusedBlock& b) {
          Step st;
          st.bit = b.bit_hi < 0 ? -1 : local_of[b.bit_hi];
          st.bit2 = b.bit_lo < 0 ? -1 : local_of[b.bit_lo];
          fused_coeffs(b, &st);
          return st;
        };
        Step st = step_of(block);
        // a dense 4x4 (RY on both bits, then their CNOT) costs a sweep of its own; split in
        // two pair steps (its first ops, then the rest) it joins a pair group instead
        const bool dense = block.kind == BlockKind::Rows && block.bit_hi >= 0 && !st.pairs;
        bool split = false;
        for (size_t cut = 1; dense && !split && cut < block.ops.size(); ++cut) {
          FusedBlock head = block, tail = block;
          head.ops.assign(block.ops.begin(), block.ops.begin() + cut);
          tail.ops.assign(block.ops.begin() + cut, block.ops.end());
          Step a = step_of(head), b = step_of(tail);
          if (!a.pairs || !b.pairs) continue;
          steps.push_back(std::move(a));
          steps.push_back(std::move(b));
          split = true;
        }
        if (!split) steps.push_back(std::move(st));
        continue;
      }
      for (int o : block.ops) {
        const Op& op = ops_[o];
        Step st;
        st.op = &op;
        st.bit = local_of[op.bit];
        const bool lane = op.type == OpType::LaneSwap || op.type == OpType::LaneMatrix1;
        st.bit2 = lane ? op.bit2 : local_of[op.bit2];
        for (int b = 0; b < n_; ++b) {
          if (!((op.ctrl >> b) & 1)) continue;
          if (local_of[b] >= 0) {
            st.inside_ctrl |= uint64_t(1) << local_of[b];
          } else {
            st.outside_ctrl |= uint64_t(1) << b;
          }
        }
        steps.push_back(std::move(st));
      }
    }
    // consecutive pair steps on few bits (a CNOT ring's front) share one sweep. Besides the
    // `pairs` blocks, a CNOT on two row bits (a permutation of each quad) and a one-bit 2x2
    // (paired with any other bit of the group) join a group as pair steps.
    auto is_cnot = [](const Step& x) {
      return x.op && x.op->type == OpType::X && x.op->lane_ctrl == 0 && x.outside_ctrl == 0 &&
             __builtin_popcountll(x.inside_ctrl) == 1;
    };
    auto is_one_bit = [](const Step& x) {
      return !x.op && x.kind == BlockKind::Rows && x.bit < 0 && !x.pairs;
    };
    // coefficients of a pair step from its rows' 2x2s: output k = c[k][0] x_a + c[k][1] x_b
    auto set_pairs = [](Step& x, int hi, int lo, const int* idx, const cdouble (*c)[2]) {
      x.op = nullptr;
      x.kind = BlockKind::Rows;
      x.pairs = true;
      x.bit = hi;
      x.bit2 = lo;
      std::copy(idx, idx + 8, x.idx);
      const int planes = x.real ? 1 : 2;
      x.coeffs.assign(8 * planes * L, R(0));
      for (int k = 0; k < 4; ++k)
        for (int j = 0; j < 2; ++j)
          for (int l = 0; l < L; ++l) {
            x.coeffs[((k * 2 + j) * planes) * L + l] = R(c[k][j].real());
            if (planes == 2) x.coeffs[((k * 2 + j) * 2 + 1) * L + l] = R(c[k][j].imag());
          }
    };
    auto cnot_to_pairs = [&](Step& x) {
      static const int idx[8] = {0, 1, 0, 1, 2, 3, 3, 2};  // rows 2 and 3 exchanged
      static const cdouble c[4][2] = {{1.0, 0.0}, {0.0, 1.0}, {1.0, 0.0}, {0.0, 1.0}};
      x.real = true;
      set_pairs(x, __builtin_ctzll(x.inside_ctrl), x.bit, idx, c);
    };
    // a one-bit 2x2 as a pair step on (partner, its bit): each lane its own 2x2 (a lane
    // control makes them differ), the same for both pairs of a quad
    auto one_bit_to_pairs = [&](Step& x, int partner) {  // coeffs: [4][planes][L] (m00..m11)
      static const int idx[8] = {0, 1, 0, 1, 2, 3, 2, 3};
      const int planes = x.real ? 1 : 2;
      std::vector<R> c(8 * planes * L);
      for (int k = 0; k < 4; ++k)  // output k, input j: entry (k % 2, j) of the 2x2
        for (int j = 0; j < 2; ++j)
          for (int q = 0; q < planes; ++q)
            std::copy_n(x.coeffs.data() + (planes * ((k % 2) * 2 + j) + q) * L, L,
                        c.data() + ((k * 2 + j) * planes + q) * L);
      x.op = nullptr;
      x.kind = BlockKind::Rows;
      x.pairs = true;
      x.bit = partner;
      std::copy(idx, idx + 8, x.idx);
      x.coeffs.swap(c);
    };
    auto to_complex = [](std::vector<R>& coeffs) {  // [..][L] real -> [..][2][L]
      std::vector<R> out(2 * coeffs.size(), R(0));
      for (size_t e = 0; e < coeffs.size() / L; ++e)
        std::copy_n(coeffs.data() + e * L, L, out.data() + 2 * e * L);
      coeffs.swap(out);
    };
    // folded: a LaneSwap on lane bit kLaneBits exchanges the wires of a row bit and of the
    // plane bit; a one-bit step on another row bit (its lanes' entries never depend on the
    // plane) commutes with it
    auto is_plane_swap = [&](const Step& x) {
      return folded_ && x.op && x.op->type == OpType::LaneSwap && x.bit2 == kLaneBits;
    };
    // a pair step that only permutes its quads' rows (a CNOT whose qubits' rotations went to
    // other steps) after a step on the same two bits: that step's outputs relabelled instead
    // of a step of its own (the same sweep's arithmetic, loads and stores saved)
    auto fold_permutation = [&](const Step& b, Step& group) {
      const size_t last = group.group_bits.size() / 2 - 1;
      const int hi = group.group_bits[2 * last], lo = group.group_bits[2 * last + 1];
      const bool same = b.bit == hi && b.bit2 == lo, swapped = b.bit == lo && b.bit2 == hi;
      if (!b.real || (!same && !swapped)) return false;
      // b's coefficients: [4][2][L], output k = c[k][0] x[in_a] + c[k][1] x[in_b] of its pair
      auto coeff = [&](int k, int j, int l) { return b.coeffs[(k * 2 + j) * L + l]; };
      int to[4] = {-1, -1, -1, -1};  // quad row (b's order) -> where b moves its value
      for (int k = 0; k < 4; ++k) {
        int src = -1;
        for (int j = 0; j < 2; ++j) {
          bool one = true, zero = true;
          for (int l = 0; l < L; ++l) {
            one = one && coeff(k, j, l) == R(1);
            zero = zero && coeff(k, j, l) == R(0);
          }
          if (one && src < 0) {
            src = j;
          } else if (!zero) {
            return false;
          }
        }
        if (src < 0) return false;
        const int pair = k / 2, in = b.idx[pair * 4 + src], out = b.idx[pair * 4 + 2 + k % 2];
        if (to[in] >= 0) return false;  // not a permutation
        to[in] = out;
      }
      // quad rows of the group's step: 2 v(hi) + v(lo); b's the same or with the bits swapped
      auto conv = [&](int q) { return swapped ? ((q & 1) << 1) | (q >> 1) : q; };
      int* idx = group.group_idx.data() + 8 * last;
      for (int pair = 0; pair < 2; ++pair)
        for (int k = 2; k < 4; ++k) idx[pair * 4 + k] = conv(to[conv(idx[pair * 4 + k])]);
      if (last == 0) std::copy(idx, idx + 8, group.idx);
      return true;
    };
    std::vector<Step> grouped;
    for (size_t i = 0; i < steps.size(); ++i) {
      // a one-bit step stranded before a plane swap goes behind it, to start the next group
      if (is_one_bit(steps[i]) && i + 2 < steps.size() && is_plane_swap(steps[i + 1]) &&
          steps[i + 1].bit != steps[i].bit2 && (steps[i + 2].pairs || is_cnot(steps[i + 2])))
        std::swap(steps[i], steps[i + 1]);
      if (is_cnot(steps[i]) && i + 1 < steps.size() && steps[i + 1].pairs)
        cnot_to_pairs(steps[i]);
      if (is_one_bit(steps[i]) && i + 1 < steps.size() &&
          (steps[i + 1].pairs || is_cnot(steps[i + 1]))) {
        if (is_cnot(steps[i + 1])) cnot_to_pairs(steps[i + 1]);
        const Step& next = steps[i + 1];
        one_bit_to_pairs(steps[i], next.bit != steps[i].bit2 ? next.bit : next.bit2);
      }
      if (!steps[i].pairs) {
        grouped.push_back(std::move(steps[i]));
        continue;
      }
      Step st = std::move(steps[i]);
      uint64_t bits = (uint64_t(1) << st.bit) | (uint64_t(1) << st.bit2);
      st.group_bits = {st.bit, st.bit2};
      st.group_idx.assign(st.idx, st.idx + 8);
      while (i + 1 < steps.size() && int(st.group_bits.size()) < 2 * sv::kMaxGroupSteps) {
        Step& b = steps[i + 1];
        if (is_cnot(b)) {
          const uint64_t with = bits | b.inside_ctrl | (uint64_t(1) << b.bit);
          if (__builtin_popcountll(with) > kPairGroupBits) break;
          cnot_to_pairs(b);
        } else if (is_one_bit(b)) {
          const int partner = st.group_bits[0] != b.bit2 ? st.group_bits[0] : st.group_bits[1];
          one_bit_to_pairs(b, partner);
        }
        if (!b.pairs) break;
        if (fold_permutation(b, st)) {
          ++i;
          continue;
        }
        const uint64_t with = bits | (uint64_t(1) << b.bit) | (uint64_t(1) << b.bit2);
        if (__builtin_popcountll(with) > kPairGroupBits) break;
        if (st.real && !b.real) {  // the group turns complex
          to_complex(st.coeffs);
          st.real = false;
        }
        if (!st.real && b.real) {
          to_complex(b.coeffs);
          b.real = false;
        }
        bits = with;
        st.group_bits.push_back(b.bit);
        st.group_bits.push_back(b.bit2);
        st.group_idx.insert(st.group_idx.end(), b.idx, b.idx + 8);
        st.coeffs.insert(st.coeffs.end(), b.coeffs.begin(), b.coeffs.end());
        ++i;
      }
      grouped.push_back(std::move(st));
    }
    steps.swap(grouped);
    const int64_t chunks = int64_t(1) << outside.size(), runs = int64_t(run_start.size());
    // a state far larger than the caches is written back around them
    const bool stream = (tile_values() * sizeof(R)) >> 26 != 0;
    // the whole state in one run: in place, no copies
    const bool in_place = chunks == 1 && runs == 1;
    auto chunk = [&](int64_t ch, R* buf, int64_t* starts) {
      const int64_t base = deposit(ch, outside);
      for (int64_t j = 0; j < runs; ++j) starts[j] = base + run_start[j];
      if (in_place) buf = psi;
      if (!in_place) k_.gather_rows(psi, buf, starts, runs, low_rows);
      for (const Step& st : steps) {
        if (!st.op) {
          apply_fused(st, buf, chunk_rows, planes);
          continue;
        }
        if ((uint64_t(base) & st.outside_ctrl) != st.outside_ctrl) continue;
        apply_at(0, *st.op, st.bit, st.bit2, buf, chunk_rows, st.inside_ctrl, false, planes);
      }
      if (!in_place) k_.scatter_rows(psi, buf, starts, runs, low_rows, stream);
    };
    const int threads = int(std::min<int64_t>(int64_t(buffers.size()), chunks));
    const size_t buffer_values = size_t(2 * L) << chunk_rows;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      std::vector<R>& buf = buffers[omp_get_thread_num()];
      if (buf.size() < buffer_values && !in_place) buf.resize(buffer_values);
      std::vector<int64_t> starts(runs);
#pragma omp for schedule(static)
      for (int64_t ch = 0; ch < chunks; ++ch) chunk(ch, buf.data(), starts.data());
    }
  }

  // A fused block's coefficients for its kernel (fusion.h), real planes only when real.
  template <class Step>
  void fused_coeffs(const FusedBlock& block, Step* st) const {
    std::vector<std::vector<cdouble>> mats;
    for (int o : block.ops) {
      const Op& op = ops_[o];
      if (op.type == OpType::Matrix2) {
        mats.push_back(c_.gates()[op.gates[0]].matrix);
      } else {
        const Mat2 u = op_matrix(op);
        mats.emplace_back(u.begin(), u.end());
      }
    }
    st->kind = block.kind;
    if (block.kind == BlockKind::Lanes && lane_stages_pay(block, mats, st)) return;
    const std::vector<cdouble> entries = block_coefficients(block, ops_, mats);
    st->real = true;
    for (const cdouble& z : entries) st->real = st->real && z.imag() == 0.0;
    if (block.kind == BlockKind::Rows && block.bit_hi >= 0 && pair_structure(entries, st->idx)) {
      st->pairs = true;
      const int planes = st->real ? 1 : 2;  // [4][2][L] real, or [4][2][2][L] re/im
      st->coeffs.assign(8 * planes * L, R(0));
      for (int k = 0; k < 4; ++k) {  // output k of the pairs, from that pair's two inputs
        const int pair = k / 2, out = st->idx[pair * 4 + 2 + k % 2];
        for (int j = 0; j < 2; ++j)
          for (int l = 0; l < L; ++l) {
            const cdouble z = entries[(out * 4 + st->idx[pair * 4 + j]) * L + l];
            st->coeffs[((k * 2 + j) * planes) * L + l] = R(z.real());
            if (!st->real) st->coeffs[((k * 2 + j) * 2 + 1) * L + l] = R(z.imag());
          }
      }
      return;
    }
    const size_t count = entries.size() / L;
    const int planes = st->real ? 1 : 2;
    st->coeffs.assign(count * planes * L, R(0));
    for (size_t e = 0; e < count; ++e)
      for (int l = 0; l < L; ++l) {
        st->coeffs[(planes * e) * L + l] = R(entries[e * L + l].real());
        if (!st->real) st->coeffs[(2 * e + 1) * L + l] = R(entries[e * L + l].imag());
      }
  }
  // A Lanes block as stages (fusion.h's lane_stages) into st when they cost less than the
  // 8x8's eight terms: a real 2x2 stage is about two terms' work (a fixed shuffle, a
  // multiply and an FMA), a complex one four, a permutation one.
  template <class Step>
  bool lane_stages_pay(const FusedBlock& block, const std::vector<std::vector<cdouble>>& mats,
                       Step* st) const {
    const LaneStages stages = lane_stages(block, ops_, mats);
    bool real = true;
    for (const cdouble& z : stages.coeffs) real = real && z.imag() == 0.0;
    int cost = 0;
    for (int b : stages.lane_bits) cost += b < 0 ? 1 : real ? 2 : 4;
    if (stages.lane_bits.empty() || cost > L || int(stages.lane_bits.size()) > sv::kMaxLaneStages)
      return false;
    st->real = real;
    st->stage_bits = stages.lane_bits;
    st->stage_perms = stages.perms;
    const int planes = real ? 1 : 2;  // [..][a, b][L] or [..][a re, a im, b re, b im][L]
    st->coeffs.assign(stages.coeffs.size() * planes, R(0));
    for (size_t e = 0; e < stages.coeffs.size() / L; ++e)
      for (int l = 0; l < L; ++l) {
        const cdouble z = stages.coeffs[e * L + l];
        st->coeffs[(e * planes) * L + l] = R(z.real());
        if (!real) st->coeffs[(e * planes + 1) * L + l] = R(z.imag());
      }
    return true;
  }
  // Whether a 4x4 ([16][L]) maps one pair of rows onto a pair and the other two onto the
  // other two; idx gets in_a, in_b, out_0, out_1 of each pair (apply_real_pairs2).
  static bool pair_structure(const std::vector<cdouble>& entries, int* idx) {
    auto nonzero = [&](int r, int c) {
      for (int l = 0; l < L; ++l)
        if (entries[(r * 4 + c) * L + l] != 0.0) return true;
      return false;
    };
    static const int splits[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}};
    for (const auto& in : splits) {
      int outs[2][2], count[2] = {0, 0};
      bool ok = true;
      for (int r = 0; r < 4 && ok; ++r) {
        const bool first = nonzero(r, in[0]) || nonzero(r, in[1]);
        const bool second = nonzero(r, in[2]) || nonzero(r, in[3]);
        const int pair = first && !second ? 0 : !first && second ? 1 : -1;
        if (pair < 0 || count[pair] == 2) {
          ok = false;
          break;
        }
        outs[pair][count[pair]++] = r;
      }
      if (!ok || count[0] != 2) continue;
      const int found[8] = {in[0], in[1], outs[0][0], outs[0][1],
                            in[2], in[3], outs[1][0], outs[1][1]};
      std::copy(found, found + 8, idx);
      return true;
    }
    return false;
  }
  template <class Step>
  void apply_fused(const Step& st, R* psi, int n, int planes) const {
    const int group = int(st.group_bits.size()) / 2;
    if (group > 1 && st.real) {
      k_.apply_real_pairs_group(psi, n, group, st.group_bits.data(), st.group_idx.data(),
                                st.coeffs.data(), planes);
    } else if (group > 1) {
      k_.apply_pairs_group(psi, n, group, st.group_bits.data(), st.group_idx.data(),
                           st.coeffs.data());
    } else if (st.pairs && st.real) {
      k_.apply_real_pairs2(psi, n, st.bit, st.bit2, st.idx, st.coeffs.data(), planes);
    } else if (st.pairs) {
      k_.apply_pairs2(psi, n, st.bit, st.bit2, st.idx, st.coeffs.data());
    } else if (!st.stage_bits.empty()) {
      k_.apply_lane_stages(psi, n, st.bit2, int(st.stage_bits.size()), st.stage_bits.data(),
                           st.coeffs.data(), st.stage_perms.data(), st.real, planes);
    } else if (st.kind == BlockKind::Lanes) {
      k_.apply_lane_block(psi, n, st.bit2, st.coeffs.data(), st.real, planes);
    } else if (st.bit < 0) {  // one row bit
      if (st.real) {
        k_.apply_real_matrix1(psi, n, st.bit2, 0, st.coeffs.data(), planes);
      } else {
        k_.apply_matrix1(psi, n, st.bit2, 0, st.coeffs.data());
      }
    } else if (st.real) {
      k_.apply_real_matrix2(psi, n, st.bit, st.bit2, st.coeffs.data(), planes);
    } else {
      k_.apply_matrix2(psi, n, st.bit, st.bit2, st.coeffs.data());
    }
  }
  // A LaneMatrix1's coefficients (apply_lane_matrix1) on lane bit `lane_bit`; true: real.
  bool lane_coeffs(const Op& op, int lane_bit, bool inverse, R* ab) const {
    Mat2 m = op_matrix(op);
    if (inverse) m = dagger(m);
    bool real = true;
    for (const cdouble& z : m) real = real && z.imag() == 0.0;
    for (int l = 0; l < L; ++l) {
      cdouble a = 1.0, b = 0.0;  // a lane whose control is off keeps its value
      if ((l & op.lane_ctrl) == op.lane_ctrl) {
        const int v = (l >> lane_bit) & 1;
        a = m[v * 2 + v];
        b = m[v * 2 + 1 - v];
      }
      if (real) {
        ab[l] = R(a.real());
        ab[L + l] = R(b.real());
      } else {
        ab[l] = R(a.real());
        ab[L + l] = R(a.imag());
        ab[2 * L + l] = R(b.real());
        ab[3 * L + l] = R(b.imag());
      }
    }
    return real;
  }
  // The 2x2 of a one-target op (its gates multiplied; X: Pauli X).
  Mat2 op_matrix(const Op& op) const {
    if (op.type == OpType::X) return {0.0, 1.0, 1.0, 0.0};
    Mat2 m = identity2();
    for (const Factor& f : plans_[&op - ops_.data()].factors)
      m = mat_mul(f.gate < 0 ? f.mat : target_matrix(c_.gates()[f.gate], angles(0, f.gate)), m);
    return m;
  }

  // The bits of v placed at the listed positions (ascending), as a row index.
  static int64_t deposit(int64_t v, const std::vector<int>& positions) {
    int64_t out = 0;
    for (size_t i = 0; i < positions.size(); ++i)
      if ((v >> i) & 1) out |= int64_t(1) << positions[i];
    return out;
  }

  // Single-state layout: the physical index of a logical basis index, and an amplitude.
  int64_t physical(int64_t logical) const {
    const int N = c_.n_wires();
    int64_t p = 0;
    for (int w = 0; w < N; ++w)
      if ((logical >> (N - 1 - w)) & 1) p |= int64_t(1) << perm_[w];
    return p;
  }
  static cdouble at(const R* psi, int64_t p) {
    const R* row = psi + ((p >> kLaneBits) * 2) * L + (p & (L - 1));
    return {double(row[0]), double(row[L])};
  }

  // out: [L][K] expectation values of the tile's lanes (single-state layout: [K]).
  void expvals(const R* psi, double* out) const {
    const auto& obs = c_.observables();
    const int K = int(obs.size());
    if (lane_layout()) {
      for (int kk = 0; kk < K; ++kk) out[kk] = lane_layout_expval(psi, obs[kk]);
      return;
    }
    double lane[2 * L];
    // the Z strings (most measurements) in one pass
    uint64_t zmasks[64];
    int zk[64], zcount = 0;
    for (int kk = 0; kk < K && zcount < 64; ++kk) {
      const Observable& o = obs[kk];
      if (o.kind != Observable::Kind::Pauli) continue;
      uint64_t x, z;
      int ny;
      pauli_masks(o, &x, &z, &ny);
      if (x != 0) continue;
      zmasks[zcount] = z;
      zk[zcount++] = kk;
    }
    std::vector<double> zout(size_t(zcount) * L);
    if (zcount) k_.zstrings_expval(psi, n_, zmasks, zcount, zout.data());
    for (int j = 0; j < zcount; ++j)
      for (int l = 0; l < L; ++l) out[l * K + zk[j]] = zout[j * L + l];
    for (int kk = 0; kk < K; ++kk) {
      const Observable& o = obs[kk];
      if (std::find(zk, zk + zcount, kk) != zk + zcount) continue;
      if (o.kind == Observable::Kind::Pauli) {
        uint64_t x, z;
        int ny;
        pauli_masks(o, &x, &z, &ny);
        k_.pauli_expval(psi, n_, x, z, ny, lane);
      } else {
        alignas(64) R block[4 * 2 * L];
        hermitian_block(o, block);
        k_.inner_matrix1(psi, psi, n_, wire_bit(n_, o.wire), 0, block, lane);
      }
      for (int l = 0; l < L; ++l) out[l * K + kk] = lane[l];
    }
  }

  // ---- the adjoint method in the single-state layout (gate by gate) ------------------------
  // psi <- U_g^dagger psi for gate g of op.
  void unapply_gate(const Op& op, int g, R* psi) const {
    Mat2 m[L];
    const Mat2 u = dagger(target_matrix(c_.gates()[g], angles(0, g)));
    for (int l = 0; l < L; ++l) m[l] = u;
    alignas(64) R block[4 * 2 * L];
    fill_op_block(op, m, block);
    if (op.type == OpType::Diagonal1) {
      k_.apply_diagonal1(psi, n_, op.bit, op.ctrl, block);
    } else {
      k_.apply_matrix1(psi, n_, op.bit, op.ctrl, block);
    }
  }
  // 2 Re <lam| dU_g/dtheta_p |psi>, summed over the lanes (the one state).
  double gate_derivative(const Op& op, int g, int p, const R* lam, const R* psi) const {
    const Mat2 d = target_derivative(c_.gates()[g], angles(0, g), p);
    Mat2 m[L];
    for (int l = 0; l < L; ++l) {
      if ((l & op.lane_ctrl) != op.lane_ctrl) {
        m[l] = {0.0, 0.0, 0.0, 0.0};  // the gate does not act in this lane
      } else if (op.lane_target >= 0) {
        const cdouble v = (l >> op.lane_target) & 1 ? d[3] : d[0];
        m[l] = {v, 0.0, 0.0, v};
      } else {
        m[l] = d;
      }
    }
    static const int all[4] = {0, 1, 2, 3};
    alignas(64) R block[4 * 2 * L];
    fill_block(block, m, all, 4);
    double out[2 * L];
    k_.inner_matrix1(lam, psi, n_, op.bit, op.ctrl, block, out);
    double sum = 0.0;
    for (int l = 0; l < L; ++l) sum += out[l];
    return 2.0 * sum;
  }
  // lam += coef * O psi in the single-state layout.
  void lane_layout_accumulate(R* lam, const R* psi, const Observable& o, double coef) const {
    const int64_t dim = int64_t(1) << c_.n_wires();
    auto add = [&](int64_t p, cdouble v) {
      R* row = lam + ((p >> kLaneBits) * 2) * L + (p & (L - 1));
      row[0] += R(coef * v.real());
      row[L] += R(coef * v.imag());
    };
    if (o.kind == Observable::Kind::Hermitian) {
      const int64_t q = int64_t(1) << perm_[o.wire];
      const auto& m = o.matrix;
      for (int64_t p = 0; p < dim; ++p) {
        if (p & q) continue;
        const cdouble a0 = at(psi, p), a1 = at(psi, p | q);
        add(p, m[0] * a0 + m[1] * a1);
        add(p | q, m[2] * a0 + m[3] * a1);
      }
      return;
    }
    uint64_t x = 0, z = 0;
    int ny = 0;
    for (const auto& [w, c] : o.paulis) {
      const uint64_t b = uint64_t(1) << perm_[w];
      if (c == 'X' || c == 'Y') x |= b;
      if (c == 'Z' || c == 'Y') z |= b;
      if (c == 'Y') ++ny;
    }
    static const cdouble phase[4] = {1.0, cdouble(0, 1), -1.0, cdouble(0, -1)};
    for (int64_t p = 0; p < dim; ++p) {  // (P psi)_p = i^ny (-1)^{|(p^x)&z|} psi_{p^x}
      const int64_t j = p ^ int64_t(x);
      const double sign = __builtin_parityll(uint64_t(j) & z) ? -1.0 : 1.0;
      add(p, phase[ny & 3] * sign * at(psi, j));
    }
  }

  // <psi|O|psi> in the single-state layout (physical bits from perm).
  double lane_layout_expval(const R* psi, const Observable& o) const {
    const int64_t dim = int64_t(1) << c_.n_wires();
    double re = 0, im = 0;
    if (o.kind == Observable::Kind::Hermitian) {
      const int64_t q = int64_t(1) << perm_[o.wire];
      const auto& m = o.matrix;
#pragma omp parallel for reduction(+ : re) schedule(static) if (dim >= (int64_t(1) << 18))
      for (int64_t p = 0; p < dim; ++p) {
        if (p & q) continue;
        const cdouble a0 = at(psi, p), a1 = at(psi, p | q);
        re += (std::conj(a0) * (m[0] * a0 + m[1] * a1) + std::conj(a1) * (m[2] * a0 + m[3] * a1)).real();
      }
      return re;
    }
    uint64_t x = 0, z = 0;
    int ny = 0;
    for (const auto& [w, p] : o.paulis) {
      const uint64_t b = uint64_t(1) << perm_[w];
      if (p == 'X' || p == 'Y') x |= b;
      if (p == 'Z' || p == 'Y') z |= b;
      if (p == 'Y') ++ny;
    }
    if (x == 0) {  // a Z string: the kernel's vector loop over the rows, signs of the lanes after
      const uint64_t row_mask = z >> kLaneBits;
      double lanes[L];
      k_.zstrings_expval(psi, n_, &row_mask, 1, lanes);
      for (int l = 0; l < L; ++l)
        re += __builtin_parity(unsigned(l) & unsigned(z)) ? -lanes[l] : lanes[l];
      return re;
    }
#pragma omp parallel for reduction(+ : re, im) schedule(static) if (dim >= (int64_t(1) << 18))
    for (int64_t p = 0; p < dim; ++p) {
      const int64_t j = p ^ int64_t(x);
      const double sign = __builtin_parityll(uint64_t(j) & z) ? -1.0 : 1.0;
      const cdouble v = std::conj(at(psi, p)) * at(psi, j) * sign;
      re += v.real();
      im += v.imag();
    }
    switch (ny & 3) {
      case 0: return re;
      case 1: return -im;
      case 2: return -re;
      default: return im;
    }
  }

  void pauli_masks(const Observable& o, uint64_t* x, uint64_t* z, int* ny) const {
    *x = *z = 0;
    *ny = 0;
    for (const auto& [w, p] : o.paulis) {
      const uint64_t b = uint64_t(1) << wire_bit(n_, w);
      if (p == 'X' || p == 'Y') *x |= b;
      if (p == 'Z' || p == 'Y') *z |= b;
      if (p == 'Y') ++*ny;
    }
  }
  void hermitian_block(const Observable& o, R* block) const {
    for (int e = 0; e < 4; ++e)
      for (int l = 0; l < L; ++l) {
        block[(2 * e) * L + l] = R(o.matrix[e].real());
        block[(2 * e + 1) * L + l] = R(o.matrix[e].imag());
      }
  }

 private:
  struct Factor {
    int gate;  // a per-sample gate, or -1 for `mat` (a product of shared gates)
    Mat2 mat;
  };
  struct OpPlan {
    std::vector<Factor> factors;  // in application order
    bool ready = false;           // blocks below hold the whole op
    bool real = false;            // ready and real: real_block / real_inverse ([4][L])
    alignas(64) R real_block[4 * L];
    alignas(64) R real_inverse[4 * L];
    alignas(64) R block[4 * 2 * L];
    alignas(64) R inverse_block[4 * 2 * L];
  };
  static void fill_op_block(const Op& op, const Mat2* m_in, R* block) {
    static const int all[4] = {0, 1, 2, 3}, diag[2] = {0, 3};
    Mat2 m[L];
    for (int l = 0; l < L; ++l) {
      m[l] = m_in[l];
      if ((l & op.lane_ctrl) != op.lane_ctrl) {
        m[l] = identity2();  // a lane control is off: no action in this lane
      } else if (op.lane_target >= 0) {
        const cdouble d = (l >> op.lane_target) & 1 ? m[l][3] : m[l][0];
        m[l] = {d, 0.0, 0.0, d};  // a diagonal on a lane bit: a phase per lane
      }
    }
    if (op.type == OpType::Diagonal1) {
      fill_block(block, m, diag, 2);
    } else {
      fill_block(block, m, all, 4);
    }
  }

  const Circuit& c_;
  const sv::StatevectorKernels<R>& k_;
  int n_;
  std::vector<Op> ops_;
  const double* theta_;
  int64_t rows_;
  const double* inputs_;
  std::vector<int64_t> row_sample_;
  std::vector<int> slots_;
  std::vector<char> shared_;
  std::vector<char> gate_shared_;
  std::vector<Mat2> shared_mat_;
  std::vector<OpPlan> plans_;
  std::vector<int> perm_;
  bool folded_ = false;
};

// Runs f(tile) over all tiles on up to `threads` OpenMP threads (one tile: the caller).
template <class F>
void for_tiles(int64_t tiles, int threads, F&& f) {
  if (tiles <= 1) {
    for (int64_t t = 0; t < tiles; ++t) f(t);
    return;
  }
  const int nt = threads > 0 ? threads : omp_get_max_threads();
  if (nt <= 1) {
    for (int64_t t = 0; t < tiles; ++t) f(t);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
  for (int64_t t = 0; t < tiles; ++t) f(t);
}

// Calls f.template operator()<R>() with R = float or double per the precision.
template <class F>
auto with_precision(Precision p, F&& f) {
  if (p == Precision::Complex128) return f(double());
  return f(float());
}

}  // namespace msq::quantum::detail
