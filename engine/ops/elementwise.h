// Elementwise ops with NumPy broadcasting. Binary ops promote dtypes (float64 > float32 >
// int64 > uint8 > bool); a scalar operand takes the tensor's dtype.
#pragma once
#include <limits>

#include "engine/core/tensor.h"
#include "kernels/op_kinds.h"

namespace msq {

// ---- binary ---------------------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor rsub(double a, const Tensor& b);  // a - b
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor rdiv(double a, const Tensor& b);  // a / b
Tensor pow(const Tensor& a, double exponent);
// Any BinaryOp by kind (comparisons return Bool and record no gradient).
Tensor binary_op(BinaryOp op, const Tensor& a, const Tensor& b);

// ---- comparisons (Bool results, no gradient) ----------------------------------------------
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);

// ---- unary ----------------------------------------------------------------------------------
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor silu(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
// NaN for a bound means "no bound".
Tensor clamp(const Tensor& x, double min, double max = std::numeric_limits<double>::quiet_NaN());
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);
Tensor unary_op(UnaryOp op, const Tensor& x, double alpha = 0, double beta = 0);

// cond ? a : b, broadcasting all three; cond of any dtype (non-zero = true).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// The sum of g over the dims that broadcasting expanded, giving `shape` back.
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

// ---- in place, no autograd (optimisers, accumulation) -----------------------------------------
// a op= b, with b broadcast to a's shape. Errors if a requires grad while grad mode is on.
Tensor& binary_op_(BinaryOp op, Tensor& a, const Tensor& b);
Tensor& add_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, double b);

// ---- operators ------------------------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, double b) { return div(a, b); }
inline Tensor operator+(double a, const Tensor& b) { return add(b, a); }
inline Tensor operator-(double a, const Tensor& b) { return rsub(a, b); }
inline Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(double a, const Tensor& b) { return rdiv(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }

}  // namespace msq
