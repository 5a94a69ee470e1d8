// The math of every UnaryOp, forward and derivative, shared by the CPU and CUDA kernels.
#pragma once
#include <cmath>

#include "kernels/common/fast_exp.h"
#include "kernels/common/host_device.h"
#include "kernels/op_kinds.h"

namespace msq::math {

template <class T>
MSQ_HD T sigmoid(T x) {
  // Stable on both tails.
  // exp of -|x| only (never overflows); a select rather than a branch, so loops vectorise.
  T e = fast_exp(x >= T(0) ? -x : x);
  T s = T(1) / (T(1) + e);
  return x >= T(0) ? s : e * s;
}

template <class T>
MSQ_HD T unary(UnaryOp op, T x, T alpha, T beta) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return fast_exp(x);
    case UnaryOp::Log: return log(x);
    case UnaryOp::Sqrt: return sqrt(x);
    case UnaryOp::Abs: return fabs(x);
    case UnaryOp::Relu: return x > T(0) ? x : T(0);
    case UnaryOp::Sigmoid: return sigmoid(x);
    case UnaryOp::Tanh: return tanh(x);
    case UnaryOp::Silu: return x * sigmoid(x);
    case UnaryOp::Clamp: {
      T y = x;
      if (!(alpha != alpha) && y < alpha) y = alpha;  // alpha NaN: no lower bound
      if (!(beta != beta) && y > beta) y = beta;
      return y;
    }
    case UnaryOp::PowScalar: return alpha == T(2) ? x * x : pow(x, alpha);
    case UnaryOp::Square: return x * x;
    case UnaryOp::Reciprocal: return T(1) / x;
    case UnaryOp::Sign: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    case UnaryOp::Hardsigmoid: {
      T y = x / T(6) + T(0.5);
      return y < T(0) ? T(0) : (y > T(1) ? T(1) : y);
    }
  }
  return x;
}

// d op(x) / dx times g, given x and y = op(x).
template <class T>
MSQ_HD T unary_grad(UnaryOp op, T g, T x, T y, T alpha, T beta) {
  switch (op) {
    case UnaryOp::Neg: return -g;
    case UnaryOp::Exp: return g * y;
    case UnaryOp::Log: return g / x;
    case UnaryOp::Sqrt: return g / (T(2) * y);
    case UnaryOp::Abs: return x > T(0) ? g : (x < T(0) ? -g : T(0));
    case UnaryOp::Relu: return x > T(0) ? g : T(0);
    case UnaryOp::Sigmoid: return g * y * (T(1) - y);
    case UnaryOp::Tanh: return g * (T(1) - y * y);
    case UnaryOp::Silu: {
      T s = sigmoid(x);
      return g * s * (T(1) + x * (T(1) - s));
    }
    case UnaryOp::Clamp: {
      bool below = !(alpha != alpha) && x < alpha;
      bool above = !(beta != beta) && x > beta;
      return (below || above) ? T(0) : g;
    }
    case UnaryOp::PowScalar:
      return alpha == T(0) ? T(0) : g * alpha * pow(x, alpha - T(1));
    case UnaryOp::Square: return g * T(2) * x;
    case UnaryOp::Reciprocal: return -g * y * y;
    case UnaryOp::Sign: return T(0);
    case UnaryOp::Hardsigmoid: return (x > T(-3) && x < T(3)) ? g / T(6) : T(0);
  }
  return g;
}

// The activation of a fused kernel: y = act(z).
template <class T>
MSQ_HD T fused_act(FusedAct act, T z) {
  switch (act) {
    case FusedAct::None: return z;
    case FusedAct::Relu: return unary(UnaryOp::Relu, z, T(0), T(0));
    case FusedAct::Silu: return unary(UnaryOp::Silu, z, T(0), T(0));
  }
  return z;
}

// g * d act(z) / dz, from the pre-activation z (both activations need only z).
template <class T>
MSQ_HD T fused_act_grad(FusedAct act, T g, T z) {
  switch (act) {
    case FusedAct::None: return g;
    case FusedAct::Relu: return unary_grad(UnaryOp::Relu, g, z, T(0), T(0), T(0));
    case FusedAct::Silu: return unary_grad(UnaryOp::Silu, g, z, T(0), T(0), T(0));
  }
  return g;
}

template <class T>
MSQ_HD T binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow: return pow(a, b);
    case BinaryOp::Maximum: return (a != a || a > b) ? a : b;
    case BinaryOp::Minimum: return (a != a || a < b) ? a : b;
    default: return T(0);  // comparisons go through compare()
  }
}

template <class T>
MSQ_HD bool compare(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    case BinaryOp::Ge: return a >= b;
    default: return false;
  }
}

}  // namespace msq::math
