// The kinds of elementwise and reduction ops the kernels implement.
#pragma once

namespace msq {

enum class UnaryOp {
  Neg, Exp, Log, Sqrt, Abs, Relu, Sigmoid, Tanh, Silu,
  Clamp,      // alpha = min, beta = max (NaN bound = none)
  PowScalar,  // x ** alpha
  Square,
  Reciprocal,
  Sign,
  Hardsigmoid,
};

enum class BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge };

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq; }

enum class ReduceOp { Sum, Max, Min };

// The activation a fused kernel applies to its result (batch norm, bias add): y = act(z).
// Backward kernels recompute z from their inputs, so only x (not y) is kept.
enum class FusedAct { None, Relu, Silu };

// The unary op a fused activation applies (not for None).
inline UnaryOp unary_op_of(FusedAct act) {
  return act == FusedAct::Silu ? UnaryOp::Silu : UnaryOp::Relu;
}

const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);
const char* fused_act_name(FusedAct act);

}  // namespace msq
