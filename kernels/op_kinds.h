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

const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);

}  // namespace msq
