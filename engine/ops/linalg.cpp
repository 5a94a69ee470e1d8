#include "engine/ops/linalg.h"

#include "engine/autograd/node.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/backend.h"

namespace msq {

namespace {

// A [batch, rows, cols] view the gemm kernel accepts: one matrix stride equal to 1.
Tensor gemm_operand(const Tensor& t3) {
  int64_t rs = t3.stride(1), cs = t3.stride(2);
  bool ok = (cs == 1 && (rs >= t3.size(2) || t3.size(1) == 1)) ||
            (rs == 1 && (cs >= t3.size(1) || t3.size(2) == 1));
  return ok ? t3 : t3.contiguous();
}

// The product of two tensors of at least 2 dims whose batch dims are already equal.
// a: [..., M, K], b: [..., K, N] -> [..., M, N]. No autograd.
Tensor batched_product(const Tensor& a, const Tensor& b) {
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  int64_t nb = shape_numel(batch);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, a.options());
  if (out.numel() == 0) return out;
  if (k == 0) return out.zero_();
  Tensor a3 = gemm_operand(a.reshape({nb, m, k}));
  Tensor b3 = gemm_operand(b.reshape({nb, k, n}));
  backend(a.device()).gemm(out.view({nb, m, n}).view_for_kernel(), a3.view_for_kernel(),
                           b3.view_for_kernel(), 1.0, 0.0);
  return out;
}

// matmul of operands with >= 2 dims, broadcasting batch dims, with autograd.
Tensor matmul_nd(const Tensor& a, const Tensor& b) {
  Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(ba, bb, "matmul");
  Shape sa = batch, sb = batch;
  sa.push_back(a.size(-2));
  sa.push_back(a.size(-1));
  sb.push_back(b.size(-2));
  sb.push_back(b.size(-1));
  Tensor ad = a.detach(), bd = b.detach();
  Tensor out = batched_product(ad.expand(sa), bd.expand(sb));
  if (!any_requires_grad({a, b})) return out;
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Shape as = a.shape(), bs = b.shape();
  record_backward("matmul", {a, b}, {out}, [=](const std::vector<Tensor>& g) {
    Tensor ga, gb;
    if (need_a) ga = sum_to_shape(batched_product(g[0], bd.expand(sb).transpose(-1, -2)), as);
    if (need_b) gb = sum_to_shape(batched_product(ad.expand(sa).transpose(-1, -2), g[0]), bs);
    return std::vector<Tensor>{ga, gb};
  });
  return out;
}

void check_matmul_operands(const Tensor& a, const Tensor& b, const char* op) {
  check(a.defined() && b.defined(), op, "an operand is undefined");
  check(a.device() == b.device(), op, "operands are on different devices (", a.device().str(),
        " and ", b.device().str(), ")");
  check(is_floating(a.dtype()) && a.dtype() == b.dtype(), op,
        "expects two floating tensors of one dtype, got ", dtype_name(a.dtype()), " and ",
        dtype_name(b.dtype()));
  check(a.dim() >= 1 && b.dim() >= 1, op, "both operands need at least 1 dim, got shapes ",
        shape_str(a.shape()), " and ", shape_str(b.shape()));
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_matmul_operands(a, b, "matmul");
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  check(a2.size(-1) == b2.size(-2), "matmul", "shapes ", shape_str(a.shape()), " and ",
        shape_str(b.shape()), " cannot be multiplied (", a2.size(-1), " != ", b2.size(-2), ")");
  Tensor out = matmul_nd(a2, b2);
  if (a.dim() == 1) out = out.squeeze(-2);
  if (b.dim() == 1) out = out.squeeze(-1);
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_matmul_operands(a, b, "bmm");
  check(a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0) && a.size(2) == b.size(1), "bmm",
        "expects [B, M, K] and [B, K, N], got ", shape_str(a.shape()), " and ",
        shape_str(b.shape()));
  return matmul_nd(a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_matmul_operands(x, weight, "linear");
  check(weight.dim() == 2, "linear", "weight must be [out, in], got ", shape_str(weight.shape()));
  check(x.size(-1) == weight.size(1), "linear", "input of shape ", shape_str(x.shape()),
        " has ", x.size(-1), " features, weight ", shape_str(weight.shape()), " expects ",
        weight.size(1));
  int64_t out_f = weight.size(0), in_f = weight.size(1);
  if (bias.defined()) {
    check(bias.dim() == 1 && bias.size(0) == out_f && bias.dtype() == x.dtype(), "linear",
          "bias must be [", out_f, "] of ", dtype_name(x.dtype()), ", got ",
          shape_str(bias.shape()), " of ", dtype_name(bias.dtype()));
  }
  Shape out_shape = x.shape();
  out_shape.back() = out_f;
  int64_t rows = x.numel() / std::max<int64_t>(in_f, 1);
  Tensor x2 = gemm_operand(x.detach().reshape({1, rows, in_f}));
  Tensor wt = gemm_operand(weight.detach().t().unsqueeze(0));  // [1, in, out], a transposed view
  Tensor out = Tensor::empty(out_shape, x.options());
  if (out.numel() > 0) {
    Tensor out3 = out.view({1, rows, out_f});
    double beta = 0.0;
    if (bias.defined()) {
      out3.copy_(bias.detach().view({1, 1, out_f}));
      beta = 1.0;
    } else if (in_f == 0) {
      out.zero_();
    }
    if (in_f > 0) {
      backend(x.device()).gemm(out3.view_for_kernel(), x2.view_for_kernel(), wt.view_for_kernel(),
                               1.0, beta);
    }
  }
  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  if (!any_requires_grad(inputs)) return out;
  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  bool has_bias = bias.defined(), need_b = has_bias && bias.requires_grad();
  Tensor xd = x.detach(), wd = weight.detach();
  Shape xs = x.shape();
  record_backward("linear", inputs, {out}, [=](const std::vector<Tensor>& gs) {
    Tensor g2 = gs[0].reshape({1, rows, out_f});
    std::vector<Tensor> grads(has_bias ? 3 : 2);
    if (need_x) grads[0] = batched_product(g2, wd.unsqueeze(0)).reshape(xs);
    if (need_w) {
      grads[1] = batched_product(g2.transpose(1, 2), xd.reshape({1, rows, in_f})).reshape({out_f, in_f});
    }
    if (need_b) grads[2] = sum(g2.reshape({rows, out_f}), {0});
    return grads;
  });
  return out;
}

}  // namespace msq
