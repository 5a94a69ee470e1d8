// A circuit "program" for the fused small-circuit statevector kernels: a flat list of ops
// with their parameter sources, uploaded to the device once (engine/quantum/gpu_program.h
// builds it), plus the per-amplitude math that the CUDA kernels (kernels/cuda/statevector/)
// and the host executor of the same program (engine/quantum/gpu_program.cpp) share.
//
// Bits: `bit` is a position in the basis index (wire w of n is bit n - 1 - w). An op acts
// where every bit of `ctrl` is 1.
// Ops:
//   Group:   one-qubit gates [first_gate, first_gate + gate_count) on `bit` in order, the
//            first applied first (runs of one-qubit gates on a wire fused; a controlled
//            rotation is a group of one gate with its ctrl mask).
//   FlipX:   X on `bit` where ctrl holds (X under controls: CNOT, Toffoli).
//   Swap:    exchanges bits `bit` and `bit2` (SWAP).
//   Matrix2: a constant 4x4 (constants[matrix ..], 16 complex, row-major over 2 b_hi + b_lo)
//            on (bit = hi, bit2 = lo).
// Gates: a rotation exp(-i t G / 2) (G = X, Y, Z) or PhaseShift diag(1, e^{i t}) of the
// parameter slot `slot`, or a constant 2x2 (constants[matrix ..], 4 complex).
// Slots: one per gate parameter of the circuit (Rot is split into RZ RY RZ, three slots):
//   value = constant, or scale * x[b][index] (Input), or scale * w[index] (Weight).
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/host_device.h"

namespace msq::sv {

enum ProgOpType : int32_t { kOpGroup = 0, kOpFlipX = 1, kOpSwap = 2, kOpMatrix2 = 3 };
enum ProgGateKind : int32_t {
  kGateFixed = 0,
  kGateRX = 1,
  kGateRY = 2,
  kGateRZ = 3,
  kGatePhase = 4
};
enum ProgSource : int32_t { kSourceConstant = 0, kSourceInput = 1, kSourceWeight = 2 };
enum ProgObsKind : int32_t { kObsPauli = 0, kObsHermitian = 1 };

struct ProgOp {
  int32_t type = kOpGroup;
  int32_t bit = 0, bit2 = 0;
  int32_t first_gate = 0, gate_count = 0;  // Group
  int32_t matrix = 0;                      // Matrix2: offset in constants (doubles)
  uint64_t ctrl = 0;
};

struct ProgGate {
  int32_t kind = kGateFixed;
  int32_t slot = -1;   // rotations and phases
  int32_t matrix = 0;  // Fixed: offset in constants (doubles), 4 complex
  int32_t op = 0;      // the Group op holding it
};

struct ProgSlot {
  int32_t source = kSourceConstant;
  int32_t index = 0;
  double scale = 1.0;
  double value = 0.0;
};

// <P> for P = i^ny X^xmask Z^zmask (a Pauli string), or a Hermitian 2x2 (constants[matrix ..])
// on `bit`.
struct ProgObservable {
  int32_t kind = kObsPauli;
  int32_t ny = 0;
  int32_t bit = 0;
  int32_t matrix = 0;
  uint64_t xmask = 0, zmask = 0;
};

struct ProgEmbedding {
  int32_t present = 0;
  int32_t offset = 0, length = 0;
  int32_t normalize = 1;
  double pad = 0.0;
};

// A view of a program (host or device pointers).
struct Program {
  int32_t n = 0;  // qubits
  int32_t n_inputs = 0, n_weights = 0;
  int32_t n_ops = 0, n_gates = 0, n_slots = 0, n_obs = 0, n_constants = 0;
  const ProgOp* ops = nullptr;
  const ProgGate* gates = nullptr;
  const ProgSlot* slots = nullptr;
  const ProgObservable* obs = nullptr;
  const double* constants = nullptr;  // complex numbers as (re, im) pairs
  ProgEmbedding embedding;
};

// ---- complex numbers in R (float or double) ------------------------------------------------
template <class R>
struct alignas(2 * sizeof(R)) Cx {  // aligned: one 8- or 16-byte load per amplitude
  R re, im;
};
template <class R>
MSQ_HD Cx<R> cx(R re, R im) {
  return {re, im};
}
template <class R>
MSQ_HD Cx<R> operator+(Cx<R> a, Cx<R> b) {
  return {a.re + b.re, a.im + b.im};
}
template <class R>
MSQ_HD Cx<R> operator-(Cx<R> a, Cx<R> b) {
  return {a.re - b.re, a.im - b.im};
}
template <class R>
MSQ_HD Cx<R> operator*(Cx<R> a, Cx<R> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
template <class R>
MSQ_HD Cx<R> scale(Cx<R> a, R s) {
  return {a.re * s, a.im * s};
}
template <class R>
MSQ_HD Cx<R> conj(Cx<R> a) {
  return {a.re, -a.im};
}
// conj(a) * b
template <class R>
MSQ_HD Cx<R> cdot(Cx<R> a, Cx<R> b) {
  return {a.re * b.re + a.im * b.im, a.re * b.im - a.im * b.re};
}

// A 2x2 row-major.
template <class R>
struct M2 {
  Cx<R> m[4];
};
template <class R>
MSQ_HD M2<R> mul(const M2<R>& a, const M2<R>& b) {
  return {{a.m[0] * b.m[0] + a.m[1] * b.m[2], a.m[0] * b.m[1] + a.m[1] * b.m[3],
           a.m[2] * b.m[0] + a.m[3] * b.m[2], a.m[2] * b.m[1] + a.m[3] * b.m[3]}};
}
template <class R>
MSQ_HD M2<R> dagger(const M2<R>& a) {
  return {{conj(a.m[0]), conj(a.m[2]), conj(a.m[1]), conj(a.m[3])}};
}
template <class R>
MSQ_HD M2<R> identity_m2() {
  return {{cx<R>(1, 0), cx<R>(0, 0), cx<R>(0, 0), cx<R>(1, 0)}};
}
// (a0, a1) <- m (a0, a1)
template <class R>
MSQ_HD void apply_m2(const M2<R>& m, Cx<R>& a0, Cx<R>& a1) {
  const Cx<R> b0 = m.m[0] * a0 + m.m[1] * a1;
  const Cx<R> b1 = m.m[2] * a0 + m.m[3] * a1;
  a0 = b0;
  a1 = b1;
}

template <class R>
MSQ_HD R sin_of(R x) {
  return std::sin(x);
}
template <class R>
MSQ_HD R cos_of(R x) {
  return std::cos(x);
}

// ---- slots and gates ---------------------------------------------------------------------
// The value of a slot for a sample with inputs x (its row) and weights w.
template <class R>
MSQ_HD R slot_value(const ProgSlot& s, const R* x, const R* w) {
  if (s.source == kSourceInput) return R(s.scale) * x[s.index];
  if (s.source == kSourceWeight) return R(s.scale) * w[s.index];
  return R(s.value);
}

// A constant 2x2 from the program's constants.
template <class R>
MSQ_HD M2<R> constant_m2(const double* c) {
  M2<R> m;
  for (int k = 0; k < 4; ++k) m.m[k] = cx<R>(R(c[2 * k]), R(c[2 * k + 1]));
  return m;
}

// The gate's 2x2 for its slot value t (ignored by Fixed).
template <class R>
MSQ_HD M2<R> gate_m2(const ProgGate& g, const double* constants, R t) {
  const R zero = 0;
  if (g.kind == kGateFixed) return constant_m2<R>(constants + g.matrix);
  if (g.kind == kGatePhase)
    return {{cx<R>(1, 0), cx(zero, zero), cx(zero, zero), cx(cos_of(t), sin_of(t))}};
  const R c = cos_of(t / 2), s = sin_of(t / 2);
  switch (g.kind) {
    case kGateRX:
      return {{cx(c, zero), cx(zero, -s), cx(zero, -s), cx(c, zero)}};
    case kGateRY:
      return {{cx(c, zero), cx(-s, zero), cx(s, zero), cx(c, zero)}};
    default:
      return {{cx(c, -s), cx(zero, zero), cx(zero, zero), cx(c, s)}};  // RZ
  }
}

// d<H>/dt of a gate from one amplitude pair, with lam and psi the states after the gate
// (adjoint method, the combined observable in lam): rotations exp(-i t G / 2) give
// Im <lam|G|psi>, the phase diag(1, e^{it}) gives -2 Im <lam|P1|psi>.
template <class R>
MSQ_HD R gate_gradient_term(int kind, Cx<R> l0, Cx<R> l1, Cx<R> p0, Cx<R> p1) {
  switch (kind) {
    case kGateRX:
      return cdot(l0, p1).im + cdot(l1, p0).im;
    case kGateRY:
      return cdot(l1, p0).re - cdot(l0, p1).re;
    case kGateRZ:
      return cdot(l0, p0).im - cdot(l1, p1).im;
    case kGatePhase:
      return R(-2) * cdot(l1, p1).im;
    default:
      return R(0);
  }
}

// ---- index helpers -----------------------------------------------------------------------
// Inserts a zero bit at position `bit` into p.
MSQ_HD uint64_t insert_zero_bit(uint64_t p, int bit) {
  const uint64_t low = p & ((uint64_t(1) << bit) - 1);
  return ((p - low) << 1) | low;
}
// Inserts zero bits at positions lo < hi.
MSQ_HD uint64_t insert_zero_bits(uint64_t p, int lo, int hi) {
  return insert_zero_bit(insert_zero_bit(p, lo), hi);
}
MSQ_HD int parity64(uint64_t v) {
#if defined(__CUDA_ARCH__)
  return __popcll(v) & 1;
#else
  return __builtin_popcountll(v) & 1;
#endif
}

// (O psi)_i for an observable: psi read at i and its partners.
template <class R, class State>
MSQ_HD Cx<R> observable_apply_at(const ProgObservable& o, const double* constants, const State& psi,
                                 uint64_t i) {
  if (o.kind == kObsHermitian) {
    const uint64_t m = uint64_t(1) << o.bit;
    const int r = int((i >> o.bit) & 1);
    const double* h = constants + o.matrix + r * 4;  // row r: h[r][0], h[r][1]
    const Cx<R> a0 = psi(i & ~m), a1 = psi(i | m);
    return cx<R>(R(h[0]), R(h[1])) * a0 + cx<R>(R(h[2]), R(h[3])) * a1;
  }
  // P = i^ny X^x Z^z: (P psi)_i = i^ny (-1)^{popc((i ^ x) & z)} psi_{i ^ x}
  const uint64_t j = i ^ o.xmask;
  Cx<R> v = psi(j);
  if (parity64(j & o.zmask)) v = cx<R>(-v.re, -v.im);
  switch (o.ny & 3) {
    case 1:
      return cx<R>(-v.im, v.re);
    case 2:
      return cx<R>(-v.re, -v.im);
    case 3:
      return cx<R>(v.im, -v.re);
    default:
      return v;
  }
}

// The embedded amplitude j (before normalisation) of a sample's inputs x.
template <class R>
MSQ_HD R embedded_value(const ProgEmbedding& e, const R* x, int64_t j) {
  return j < e.length ? x[e.offset + j] : R(e.pad);
}

// ---- ops on one item (an amplitude pair or quad) -------------------------------------------
// Items of an op on n qubits: pairs (Group, FlipX) or quads (Swap, Matrix2).
MSQ_HD int64_t op_items(const ProgOp& op, int n) {
  return op.type == kOpGroup || op.type == kOpFlipX ? int64_t(1) << (n - 1) : int64_t(1) << (n - 2);
}

// The pair of item p of a Group / FlipX op; false where the controls do not hold.
MSQ_HD bool op_pair(const ProgOp& op, uint64_t p, uint64_t* i0, uint64_t* i1) {
  *i0 = insert_zero_bit(p, op.bit);
  *i1 = *i0 | (uint64_t(1) << op.bit);
  return (*i0 & op.ctrl) == op.ctrl;
}

// Applies item p of a non-Group op (or its inverse) to psi.
template <class R>
MSQ_HD void apply_fixed_op_item(Cx<R>* psi, const ProgOp& op, const double* constants, uint64_t p,
                                bool inverse) {
  if (op.type == kOpFlipX) {
    uint64_t i0, i1;
    if (!op_pair(op, p, &i0, &i1)) return;
    const Cx<R> t = psi[i0];
    psi[i0] = psi[i1];
    psi[i1] = t;
    return;
  }
  const int hi = op.bit, lo = op.bit2;
  const uint64_t base = insert_zero_bits(p, hi < lo ? hi : lo, hi < lo ? lo : hi);
  if ((base & op.ctrl) != op.ctrl) return;
  const uint64_t idx[4] = {base, base | (uint64_t(1) << lo), base | (uint64_t(1) << hi),
                           base | (uint64_t(1) << hi) | (uint64_t(1) << lo)};
  if (op.type == kOpSwap) {
    const Cx<R> t = psi[idx[1]];
    psi[idx[1]] = psi[idx[2]];
    psi[idx[2]] = t;
    return;
  }
  // Matrix2: out_r = sum_c U[r][c] in_c, or U^dagger: sum_c conj(U[c][r]) in_c
  const double* u = constants + op.matrix;
  Cx<R> in[4], out[4];
  for (int k = 0; k < 4; ++k) in[k] = psi[idx[k]];
  for (int r = 0; r < 4; ++r) {
    Cx<R> acc = cx<R>(0, 0);
    for (int c = 0; c < 4; ++c) {
      const int e = inverse ? c * 4 + r : r * 4 + c;
      Cx<R> m = cx<R>(R(u[2 * e]), R(u[2 * e + 1]));
      if (inverse) m = conj(m);
      acc = acc + m * in[c];
    }
    out[r] = acc;
  }
  for (int k = 0; k < 4; ++k) psi[idx[k]] = out[k];
}

// Applies a Group's 2x2 to item p of psi.
template <class R>
MSQ_HD void apply_group_item(Cx<R>* psi, const ProgOp& op, const M2<R>& m, uint64_t p) {
  uint64_t i0, i1;
  if (!op_pair(op, p, &i0, &i1)) return;
  Cx<R> a0 = psi[i0], a1 = psi[i1];
  apply_m2(m, a0, a1);
  psi[i0] = a0;
  psi[i1] = a1;
}

// One adjoint step of a group gate on item p: returns the item's gradient term (states
// after the gate) and un-applies the gate (u_dagger = its U^dagger) from psi and lam.
template <class R>
MSQ_HD R adjoint_gate_item(Cx<R>* psi, Cx<R>* lam, const ProgOp& op, int gate_kind,
                           const M2<R>& u_dagger, uint64_t p) {
  uint64_t i0, i1;
  if (!op_pair(op, p, &i0, &i1)) return R(0);
  Cx<R> p0 = psi[i0], p1 = psi[i1], l0 = lam[i0], l1 = lam[i1];
  const R term = gate_gradient_term(gate_kind, l0, l1, p0, p1);
  apply_m2(u_dagger, p0, p1);
  apply_m2(u_dagger, l0, l1);
  psi[i0] = p0;
  psi[i1] = p1;
  lam[i0] = l0;
  lam[i1] = l1;
  return term;
}

}  // namespace msq::sv
