#include "engine/ops/elementwise.h"

#include <cmath>

#include "engine/autograd/grad_mode.h"
#include "engine/autograd/node.h"
#include "engine/ops/reduce.h"
#include "kernels/backend.h"

namespace msq {

namespace {

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  check(a.device() == b.device(), op, "operands are on different devices (",
        a.device().str(), " and ", b.device().str(), ")");
}

Tensor scalar_like(const Tensor& t, double value) { return scalar_tensor(value, t.options()); }

}  // namespace

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  check(lead >= 0, "sum_to_shape", "cannot reduce ", shape_str(g.shape()), " to ",
        shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < g.dim(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && g.size(i) != 1)) dims.push_back(i);
  }
  Tensor r = dims.empty() ? g : sum(g, dims, /*keepdim=*/true);
  return r.reshape(shape);
}

// ---- binary ---------------------------------------------------------------------------------

Tensor binary_op(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const char* name = binary_op_name(op);
  check(a_in.defined() && b_in.defined(), name, "an operand is undefined");
  check_same_device(a_in, b_in, name);
  DType common = promote(a_in.dtype(), b_in.dtype());
  if ((op == BinaryOp::Div || op == BinaryOp::Pow) && !is_floating(common)) {
    common = DType::Float32;  // true division, as PyTorch
  }
  Tensor a = a_in.to(common), b = b_in.to(common);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  bool cmp = is_comparison(op);
  check(cmp || common != DType::Bool, name, "arithmetic on bool tensors is not supported");
  Tensor out = Tensor::empty(shape, a.options().with_dtype(cmp ? DType::Bool : common));
  if (out.numel() > 0) {
    backend(out.device()).binary(op, out.view_for_kernel(), a.expand(shape).view_for_kernel(),
                                 b.expand(shape).view_for_kernel());
  }
  if (cmp || !any_requires_grad({a, b})) return out;

  Shape sa = a.shape(), sb = b.shape();
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Tensor ad = a.detach(), bd = b.detach(), yd = out.detach();
  record_backward(name, {a, b}, {out}, [=](const std::vector<Tensor>& gs) {
    const Tensor& g = gs[0];
    Tensor ga, gb;
    switch (op) {
      case BinaryOp::Add:
        if (need_a) ga = g;
        if (need_b) gb = g;
        break;
      case BinaryOp::Sub:
        if (need_a) ga = g;
        if (need_b) gb = neg(g);
        break;
      case BinaryOp::Mul:
        if (need_a) ga = mul(g, bd);
        if (need_b) gb = mul(g, ad);
        break;
      case BinaryOp::Div:
        if (need_a) ga = div(g, bd);
        if (need_b) gb = neg(div(mul(g, yd), bd));
        break;
      case BinaryOp::Pow:
        // d/da a^b = b a^(b-1); d/db a^b = a^b log a (0 where a == 0)
        if (need_a) ga = mul(g, mul(bd, pow(ad, sub(bd, 1.0))));
        if (need_b) {
          Tensor la = where(eq(ad, 0.0), zeros_like(ad), log(ad));
          gb = mul(g, mul(yd, la));
        }
        break;
      case BinaryOp::Maximum:
      case BinaryOp::Minimum: {
        // The gradient goes to the selected operand; ties split it evenly (as PyTorch).
        Tensor pick_a = op == BinaryOp::Maximum ? gt(ad, bd) : lt(ad, bd);
        Tensor tie = eq(ad, bd);
        Tensor wa = add(pick_a.to(g.dtype()), mul(tie.to(g.dtype()), 0.5));
        if (need_a) ga = mul(g, wa);
        if (need_b) gb = mul(g, rsub(1.0, wa));
        break;
      }
      default: break;
    }
    return std::vector<Tensor>{ga.defined() ? sum_to_shape(ga, sa) : Tensor(),
                               gb.defined() ? sum_to_shape(gb, sb) : Tensor()};
  });
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Div, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Minimum, a, b); }
Tensor add(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor rsub(double a, const Tensor& b) { return sub(scalar_like(b, a), b); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor div(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
Tensor rdiv(double a, const Tensor& b) { return div(scalar_like(b, a), b); }
Tensor pow(const Tensor& a, double exponent) {
  return unary_op(UnaryOp::PowScalar, a, exponent, 0);
}

Tensor eq(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ge, a, b); }
Tensor eq(const Tensor& a, double b) { return eq(a, scalar_like(a, b)); }
Tensor ne(const Tensor& a, double b) { return ne(a, scalar_like(a, b)); }
Tensor lt(const Tensor& a, double b) { return lt(a, scalar_like(a, b)); }
Tensor le(const Tensor& a, double b) { return le(a, scalar_like(a, b)); }
Tensor gt(const Tensor& a, double b) { return gt(a, scalar_like(a, b)); }
Tensor ge(const Tensor& a, double b) { return ge(a, scalar_like(a, b)); }

// ---- unary ----------------------------------------------------------------------------------

Tensor unary_op(UnaryOp op, const Tensor& x, double alpha, double beta) {
  const char* name = unary_op_name(op);
  check(x.defined(), name, "the input is undefined");
  bool integer_ok = op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign ||
                    op == UnaryOp::Clamp || op == UnaryOp::Square || op == UnaryOp::Relu;
  check(is_floating(x.dtype()) || (integer_ok && x.dtype() != DType::Bool), name,
        "expects a floating tensor, got ", dtype_name(x.dtype()), " of shape ",
        shape_str(x.shape()));
  Tensor out = Tensor::empty(x.shape(), x.options());
  if (out.numel() > 0) {
    backend(x.device()).unary(op, out.view_for_kernel(), x.view_for_kernel(), alpha, beta);
  }
  if (!any_requires_grad({x})) return out;
  Tensor xd = x.detach(), yd = out.detach();
  record_backward(name, {x}, {out}, [=](const std::vector<Tensor>& gs) {
    Tensor gx = Tensor::empty(xd.shape(), xd.options());
    Tensor g = gs[0];
    if (gx.numel() > 0) {
      backend(gx.device()).unary_grad(op, gx.view_for_kernel(), g.view_for_kernel(),
                                      xd.view_for_kernel(), yd.view_for_kernel(), alpha, beta);
    }
    return std::vector<Tensor>{gx};
  });
  return out;
}

Tensor neg(const Tensor& x) { return unary_op(UnaryOp::Neg, x); }
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::Exp, x); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::Log, x); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::Sqrt, x); }
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::Abs, x); }
Tensor square(const Tensor& x) { return unary_op(UnaryOp::Square, x); }
Tensor reciprocal(const Tensor& x) { return unary_op(UnaryOp::Reciprocal, x); }
Tensor sign(const Tensor& x) { return unary_op(UnaryOp::Sign, x); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::Relu, x); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::Sigmoid, x); }
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::Tanh, x); }
Tensor silu(const Tensor& x) { return unary_op(UnaryOp::Silu, x); }
Tensor hardsigmoid(const Tensor& x) { return unary_op(UnaryOp::Hardsigmoid, x); }
Tensor clamp(const Tensor& x, double min, double max) {
  check(!(min > max), "clamp", "min ", min, " is greater than max ", max);
  return unary_op(UnaryOp::Clamp, x, min, max);
}
Tensor clamp_min(const Tensor& x, double min) {
  return clamp(x, min, std::numeric_limits<double>::quiet_NaN());
}
Tensor clamp_max(const Tensor& x, double max) {
  return clamp(x, std::numeric_limits<double>::quiet_NaN(), max);
}

// ---- where ----------------------------------------------------------------------------------

Tensor where(const Tensor& cond_in, const Tensor& a_in, const Tensor& b_in) {
  check_same_device(cond_in, a_in, "where");
  check_same_device(a_in, b_in, "where");
  DType common = promote(a_in.dtype(), b_in.dtype());
  Tensor a = a_in.to(common), b = b_in.to(common);
  Tensor cond = cond_in.dtype() == DType::Bool ? cond_in : ne(cond_in, 0.0);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"),
                                 b.shape(), "where");
  Tensor out = Tensor::empty(shape, a.options());
  if (out.numel() > 0) {
    backend(out.device()).where(out.view_for_kernel(), cond.expand(shape).view_for_kernel(),
                                a.expand(shape).view_for_kernel(),
                                b.expand(shape).view_for_kernel());
  }
  if (!any_requires_grad({a, b})) return out;
  Tensor cd = cond.detach();
  Shape sa = a.shape(), sb = b.shape();
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  record_backward("where", {a, b}, {out}, [=](const std::vector<Tensor>& gs) {
    const Tensor& g = gs[0];
    Tensor z = zeros({}, g.options());
    return std::vector<Tensor>{need_a ? sum_to_shape(where(cd, g, z), sa) : Tensor(),
                               need_b ? sum_to_shape(where(cd, z, g), sb) : Tensor()};
  });
  return out;
}

// ---- in place -------------------------------------------------------------------------------

Tensor& binary_op_(BinaryOp op, Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  check(!(grad_enabled() && a.requires_grad()), name,
        "in-place update of a tensor that requires grad; wrap it in NoGradGuard");
  check(!is_comparison(op), name, "comparisons cannot be done in place");
  check_same_device(a, b, name);
  Tensor src = b.to(a.dtype()).expand(a.shape());
  backend(a.device()).binary(op, a.view_for_kernel(), a.view_for_kernel(), src.view_for_kernel());
  return a;
}

Tensor& add_(Tensor& a, const Tensor& b) { return binary_op_(BinaryOp::Add, a, b); }
Tensor& mul_(Tensor& a, double b) { return binary_op_(BinaryOp::Mul, a, scalar_like(a, b)); }

}  // namespace msq
