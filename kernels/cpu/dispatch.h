// Calls f with a value of the C++ type that matches a runtime dtype (or op kind).
#pragma once
#include <cstdint>
#include <type_traits>

#include "engine/core/dtype.h"
#include "engine/core/error.h"
#include "kernels/op_kinds.h"

namespace msq::cpu {

template <class T> struct TypeTag { using type = T; };

template <class F>
void dispatch_all_types(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Float32: f(TypeTag<float>{}); return;
    case DType::Float64: f(TypeTag<double>{}); return;
    case DType::Int64: f(TypeTag<int64_t>{}); return;
    case DType::UInt8: f(TypeTag<uint8_t>{}); return;
    case DType::Bool: f(TypeTag<bool>{}); return;
  }
  fail(op, "unsupported dtype");
}

template <class F>
void dispatch_floating_types(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Float32: f(TypeTag<float>{}); return;
    case DType::Float64: f(TypeTag<double>{}); return;
    default: fail(op, "expects float32 or float64, got ", dtype_name(t));
  }
}

// Numeric types: everything but Bool.
template <class F>
void dispatch_numeric_types(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Float32: f(TypeTag<float>{}); return;
    case DType::Float64: f(TypeTag<double>{}); return;
    case DType::Int64: f(TypeTag<int64_t>{}); return;
    case DType::UInt8: f(TypeTag<uint8_t>{}); return;
    default: fail(op, "not defined for ", dtype_name(t));
  }
}

template <UnaryOp Op> using UnaryTag = std::integral_constant<UnaryOp, Op>;

// Turns a runtime UnaryOp into a compile-time constant, so the op's switch folds away
// inside the element loop.
template <class F>
void dispatch_unary_op(UnaryOp op, F&& f) {
  switch (op) {
    case UnaryOp::Neg: f(UnaryTag<UnaryOp::Neg>{}); return;
    case UnaryOp::Exp: f(UnaryTag<UnaryOp::Exp>{}); return;
    case UnaryOp::Log: f(UnaryTag<UnaryOp::Log>{}); return;
    case UnaryOp::Sqrt: f(UnaryTag<UnaryOp::Sqrt>{}); return;
    case UnaryOp::Abs: f(UnaryTag<UnaryOp::Abs>{}); return;
    case UnaryOp::Relu: f(UnaryTag<UnaryOp::Relu>{}); return;
    case UnaryOp::Sigmoid: f(UnaryTag<UnaryOp::Sigmoid>{}); return;
    case UnaryOp::Tanh: f(UnaryTag<UnaryOp::Tanh>{}); return;
    case UnaryOp::Silu: f(UnaryTag<UnaryOp::Silu>{}); return;
    case UnaryOp::Clamp: f(UnaryTag<UnaryOp::Clamp>{}); return;
    case UnaryOp::PowScalar: f(UnaryTag<UnaryOp::PowScalar>{}); return;
    case UnaryOp::Square: f(UnaryTag<UnaryOp::Square>{}); return;
    case UnaryOp::Reciprocal: f(UnaryTag<UnaryOp::Reciprocal>{}); return;
    case UnaryOp::Sign: f(UnaryTag<UnaryOp::Sign>{}); return;
    case UnaryOp::Hardsigmoid: f(UnaryTag<UnaryOp::Hardsigmoid>{}); return;
  }
}

template <BinaryOp Op> using BinaryTag = std::integral_constant<BinaryOp, Op>;

template <class F>
void dispatch_binary_op(BinaryOp op, F&& f) {
  switch (op) {
    case BinaryOp::Add: f(BinaryTag<BinaryOp::Add>{}); return;
    case BinaryOp::Sub: f(BinaryTag<BinaryOp::Sub>{}); return;
    case BinaryOp::Mul: f(BinaryTag<BinaryOp::Mul>{}); return;
    case BinaryOp::Div: f(BinaryTag<BinaryOp::Div>{}); return;
    case BinaryOp::Pow: f(BinaryTag<BinaryOp::Pow>{}); return;
    case BinaryOp::Maximum: f(BinaryTag<BinaryOp::Maximum>{}); return;
    case BinaryOp::Minimum: f(BinaryTag<BinaryOp::Minimum>{}); return;
    case BinaryOp::Eq: f(BinaryTag<BinaryOp::Eq>{}); return;
    case BinaryOp::Ne: f(BinaryTag<BinaryOp::Ne>{}); return;
    case BinaryOp::Lt: f(BinaryTag<BinaryOp::Lt>{}); return;
    case BinaryOp::Le: f(BinaryTag<BinaryOp::Le>{}); return;
    case BinaryOp::Gt: f(BinaryTag<BinaryOp::Gt>{}); return;
    case BinaryOp::Ge: f(BinaryTag<BinaryOp::Ge>{}); return;
  }
}

}  // namespace msq::cpu
