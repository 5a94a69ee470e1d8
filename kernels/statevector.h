// The statevector kernels: a backend-neutral interface (CPU now, CUDA later). Kernels know
// nothing about circuits, autograd or parameters: they apply small matrices to a tile of
// states and reduce inner products. The quantum front-end (engine/quantum) compiles a circuit
// into calls here.
//
// Layout: one "tile" holds kLanes states of n index bits, amplitude-major with the lanes
// innermost and real and imaginary parts in separate planes:
//   psi: [2^n][2][kLanes] R     (psi[(i*2+0)*kLanes + l] = Re a_i of lane l, +kLanes: Im)
// In a batch the lanes are kLanes samples (every gate becomes one vector op over the lanes,
// whatever its wire, and per-sample angles cost nothing extra). A single large state stores
// its lowest log2(kLanes) qubits in the lanes (see engine/quantum/simulator.h), so one
// layout and one set of kernels serves both.
//
// Bits: `bit` arguments are positions in the row index i (bit 0 = least significant).
// `ctrl` is a mask of row-index bits that must all be 1 for the operation to act.
// Per-lane coefficients ("lane complex"): [count][2][kLanes] R, one complex number per lane
// for each of `count` entries (a 2x2 matrix has count 4, row-major: m00 m01 m10 m11; a 4x4
// has 16, row-major over the two-bit index 2*b_hi + b_lo where b_hi is the bit of `bit_hi`).
// Reductions write doubles: out[2][kLanes] (real plane, then imaginary plane).
#pragma once
#include <cstdint>

namespace msq::sv {

inline constexpr int kLanes = 8;
// The most bits and steps of one pair group (apply_real_pairs_group).
inline constexpr int kMaxGroupBits = 7;
inline constexpr int kMaxGroupSteps = 8;
inline constexpr int kMaxLaneStages = 16;

// One gate of an adjoint block (adjoint_block1). Rotations exp(-i t G / 2) (G = X, Y, Z) give
// Im <lam|G|psi>; Phase diag(1, e^{it}) gives -2 Im <lam|P1|psi>; Matrix gives
// 2 Re <lam|M_q|psi> for each M_q = dU/dtheta_q U^dagger.
enum class StepKind : uint8_t { RX, RY, RZ, Phase, Matrix };

template <class R>
struct AdjointStep {
  StepKind kind;
  int outputs;      // gradients produced: 0 or 1 for RX/RY/RZ/Phase, 0..3 for Matrix
  const R* coeffs;  // RX/RY/RZ: [2][L] cos(t/2), sin(t/2). Phase: [2][L] cos t, sin t.
                    // Matrix: [1 + outputs][4][2][L]: U^dagger, then the M_q.
};

template <class R>
class StatevectorKernels {
 public:
  virtual ~StatevectorKernels() = default;
  virtual const char* name() const = 0;

  // ---- state preparation ----------------------------------------------------------------
  // psi: [2^n][2][L] <- |0...0> in every lane.
  virtual void set_zero_state(R* psi, int n) const = 0;
  // y += c * x, c: [L] real per lane; x, y: [2^n][2][L].
  virtual void axpy(R* y, const R* x, int n, const R* c) const = 0;

  // ---- gates (in place) -----------------------------------------------------------------
  // psi: [2^n][2][L]; m: [4][2][L] lane complex.
  virtual void apply_matrix1(R* psi, int n, int bit, uint64_t ctrl, const R* m) const = 0;
  // A real 2x2 (RY, H, X-like): m: [4][L] (half the arithmetic of apply_matrix1).
  // `planes` (real kernels): 2, or 1 when the state's imaginary plane is zero: a real gate
  // keeps it zero, so only the real plane is read and written (half the arithmetic again).
  virtual void apply_real_matrix1(R* psi, int n, int bit, uint64_t ctrl, const R* m,
                                  int planes) const = 0;
  // Diagonal 2x2: d: [2][2][L] (d0, d1).
  virtual void apply_diagonal1(R* psi, int n, int bit, uint64_t ctrl, const R* d) const = 0;
  // Pauli X on `bit` where ctrl holds (X, CNOT, Toffoli): swaps rows.
  virtual void apply_x(R* psi, int n, int bit, uint64_t ctrl) const = 0;
  // Swaps the values of two bits where ctrl holds (SWAP, Fredkin).
  virtual void apply_swap(R* psi, int n, int bit_a, int bit_b, uint64_t ctrl) const = 0;
  // Exchanges lane bit `lane_bit` (of the lane index) with row bit `bit`: a single large
  // state keeps its lowest qubits in the lanes and moves one out before a gate targets it.
  virtual void swap_lane_bit(R* psi, int n, int lane_bit, int bit) const = 0;
  // m: [16][2][L] lane complex on (bit_hi, bit_lo), bit_hi != bit_lo.
  virtual void apply_matrix2(R* psi, int n, int bit_hi, int bit_lo, const R* m) const = 0;
  // A 2x2 on lane bit `lane_bit` (a qubit in the lanes) of every row where ctrl holds: lane
  // l <- a[l] x[l] + b[l] x[l ^ (1 << lane_bit)]. ab: [2][2][L] lane complex (a, b), or
  // with `real` [2][L] real.
  virtual void apply_lane_matrix1(R* psi, int n, int lane_bit, uint64_t ctrl, const R* ab,
                                  bool real) const = 0;
  // An 8x8 on the lane index of every row (a fused block of gates on the qubits in the
  // lanes): lane l <- sum_k m[v][k][l] x[l ^ k] with v the row's bit `select_bit` (0 when
  // select_bit < 0). m: [1 or 2][kLanes][2][L] lane complex, or with `real` [..][kLanes][L].
  virtual void apply_lane_block(R* psi, int n, int select_bit, const R* m, bool real,
                                int planes) const = 0;
  // A lane block kept as its gates ("stages", in order) instead of one 8x8: stage s with
  // lane_bits[s] = t >= 0 maps lane l <- a[l] x[l] + b[l] x[l ^ (1 << t)], with t < 0 lane
  // l <- x[perm[l]] (a permutation: CNOTs among the lanes); coefficients and permutations
  // per value v of the row's bit `select_bit` (v = 0 when select_bit < 0). coeffs: per 2x2
  // stage [variants][2][L] (a, b) real, or with !real [variants][2][2][L] (a re, a im, b re,
  // b im); perms: per permutation stage [variants][L]. At most kMaxLaneStages stages. A few
  // stages cost less than apply_lane_block's 8 terms (a 2x2 stage is one fixed shuffle and
  // two FMAs, a permutation one shuffle).
  virtual void apply_lane_stages(R* psi, int n, int select_bit, int count,
                                 const int* lane_bits, const R* coeffs, const int* perms,
                                 bool real, int planes) const = 0;
  // A real 4x4 on (bit_hi, bit_lo) mapping two rows of each quad (index 2 b_hi + b_lo) onto
  // two rows and the others onto the others (RY then CNOT, ...): idx: [8] = in_a, in_b,
  // out_0, out_1 of one pair, then of the other; m: [4][2][L], output k = m[k][0] x[in_a] +
  // m[k][1] x[in_b] of its pair.
  virtual void apply_real_pairs2(R* psi, int n, int bit_hi, int bit_lo, const int* idx,
                                 const R* m, int planes) const = 0;
  // apply_real_pairs2 with complex coefficients (RX then a CNOT, ...): m: [4][2][2][L] (output,
  // input, re/im).
  virtual void apply_pairs2(R* psi, int n, int bit_hi, int bit_lo, const int* idx,
                            const R* m) const = 0;
  // A run of `count` (<= kMaxGroupSteps) apply_real_pairs2 steps, in order, whose bits number
  // at most kMaxGroupBits (blocks along a CNOT chain), in one sweep over the groups of rows
  // those bits span: bits: [count][2] (bit_hi, bit_lo of each), idx: [count][8], m:
  // [count][4][2][L].
  virtual void apply_real_pairs_group(R* psi, int n, int count, const int* bits,
                                      const int* idx, const R* m, int planes) const = 0;
  // The same with complex coefficients (apply_pairs2's): m: [count][4][2][2][L].
  virtual void apply_pairs_group(R* psi, int n, int count, const int* bits, const int* idx,
                                 const R* m) const = 0;
  // A real 4x4 (a fused block of real gates: RY, CNOT, ...): m: [16][L].
  virtual void apply_real_matrix2(R* psi, int n, int bit_hi, int bit_lo, const R* m,
                                  int planes) const = 0;

  // ---- chunks of a large state (engine/quantum/pass_plan.h) -------------------------------
  // chunk: [runs][2^run_bits rows][2][L] <- the rows of psi from run_start[j] on, each run.
  virtual void gather_rows(const R* psi, R* chunk, const int64_t* run_start, int64_t runs,
                           int run_bits) const = 0;
  // The reverse; `stream`: bypass the caches (the state is far larger than them).
  virtual void scatter_rows(R* psi, const R* chunk, const int64_t* run_start, int64_t runs,
                            int run_bits, bool stream) const = 0;

  // ---- reductions -----------------------------------------------------------------------
  // out[2][L] = sum_i conj(lam_i) (M psi)_i with M a 2x2 (lane complex [4][2][L]) on `bit`
  // where ctrl holds and zero elsewhere (so a controlled gate's derivative is exact).
  virtual void inner_matrix1(const R* lam, const R* psi, int n, int bit, uint64_t ctrl,
                             const R* m, double* out) const = 0;
  // The same for a 4x4 on (bit_hi, bit_lo).
  virtual void inner_matrix2(const R* lam, const R* psi, int n, int bit_hi, int bit_lo,
                             const R* m, double* out) const = 0;
  // out[L] = <psi| P |psi> for the Pauli string P = i^ny X^xmask Z^zmask (real by
  // hermiticity).
  virtual void pauli_expval(const R* psi, int n, uint64_t xmask, uint64_t zmask, int ny,
                            double* out) const = 0;
  // lam += c * P psi, c: [L] real per lane.
  virtual void pauli_accumulate(R* lam, const R* psi, int n, uint64_t xmask, uint64_t zmask,
                                int ny, const R* c) const = 0;
  // ---- the adjoint method ------------------------------------------------------------------
  // One backward pass over a block of one-qubit gates on `bit` (where ctrl holds), in one
  // sweep over both states: for each step in order (the block's last gate first), with psi
  // and lam the states after that gate, its gradients go to out and both states are
  // un-applied. out: [sum of steps' outputs][L] double.
  virtual void adjoint_block1(R* psi, R* lam, int n, int bit, uint64_t ctrl,
                              const AdjointStep<R>* steps, int count, double* out) const = 0;

  // out[j][L] = <psi| Z^zmasks[j] |psi> for `count` (<= 64) Z strings in one pass.
  virtual void zstrings_expval(const R* psi, int n, const uint64_t* zmasks, int count,
                               double* out) const = 0;
  // lam += sum_j c_j * Z^zmasks[j] psi over `count` Z strings in one pass; c: [count][L].
  virtual void zstrings_accumulate(R* lam, const R* psi, int n, const uint64_t* zmasks,
                                   int count, const R* c) const = 0;
  // out: [2^n][L] double = |psi_i|^2.
  virtual void probabilities(const R* psi, int n, double* out) const = 0;
};

// The CPU implementations (kernels/cpu/statevector/).
const StatevectorKernels<float>& cpu_statevector_kernels_c64();
const StatevectorKernels<double>& cpu_statevector_kernels_c128();

}  // namespace msq::sv
