#include "engine/ops/loss.h"

#include "engine/autograd/node.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/backend.h"

namespace msq {

namespace {

Tensor softmax_impl(const Tensor& x_in, int64_t dim_in, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  check(is_floating(x_in.dtype()), name, "expects a floating tensor, got ", dtype_name(x_in.dtype()));
  int64_t dim = wrap_dim(dim_in, x_in.dim(), name);
  Tensor x = x_in.detach().contiguous();
  int64_t outer = 1, n = x.dim() ? x.size(dim) : 1, inner = 1;
  for (int64_t i = 0; i < dim; ++i) outer *= x.size(i);
  for (int64_t i = dim + 1; i < x.dim(); ++i) inner *= x.size(i);
  Tensor y = Tensor::empty(x.shape(), x.options());
  if (y.numel() > 0) {
    backend(x.device()).softmax(y.view_for_kernel(), x.view_for_kernel(), outer, n, inner, log);
  }
  if (!any_requires_grad({x_in})) return y;
  Tensor yd = y.detach();
  record_backward(name, {x_in}, {y}, [=](const std::vector<Tensor>& g) {
    Tensor gc = g[0].contiguous();
    Tensor gx = Tensor::empty(yd.shape(), yd.options());
    if (gx.numel() > 0) {
      backend(gx.device()).softmax_grad(gx.view_for_kernel(), gc.view_for_kernel(),
                                        yd.view_for_kernel(), outer, n, inner, log);
    }
    return std::vector<Tensor>{gx};
  });
  return y;
}

Tensor reduce_loss(const Tensor& per_sample, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return per_sample;
    case Reduction::Sum: return sum(per_sample);
    case Reduction::Mean: return mean(per_sample);
  }
  return per_sample;
}

void check_classification(const Tensor& x, const Tensor& target, const Tensor& weight,
                          int64_t ignore_index, const char* op) {
  check(x.dim() == 2, op, "expects input [N, C], got ", shape_str(x.shape()));
  check(is_floating(x.dtype()), op, "input must be floating, got ", dtype_name(x.dtype()));
  check(target.dtype() == DType::Int64, op, "target must hold int64 class indices, got ",
        dtype_name(target.dtype()));
  check(target.dim() == 1 && target.size(0) == x.size(0), op, "target must be [", x.size(0),
        "] for input ", shape_str(x.shape()), ", got ", shape_str(target.shape()));
  check(target.device() == x.device(), op, "target is on ", target.device().str(),
        ", input on ", x.device().str());
  if (weight.defined()) {
    check(weight.device() == x.device(), op, "weight is on ", weight.device().str(), ", input on ",
          x.device().str());
    check(weight.dim() == 1 && weight.size(0) == x.size(1) && weight.dtype() == x.dtype(), op,
          "weight must be [", x.size(1), "] of ", dtype_name(x.dtype()), ", got ",
          shape_str(weight.shape()), " of ", dtype_name(weight.dtype()));
  }
  // Class indices in range: checked on the host (targets are small), except while this thread
  // captures a CUDA graph (kernels/step_graph.h: the host read would end the capture). The
  // kernels then give a NaN loss for an index out of range instead of reading outside the row.
  if (backend(target.device()).capturing()) return;
  std::vector<int64_t> t = target.to_vector<int64_t>();
  for (size_t i = 0; i < t.size(); ++i) {
    check(t[i] == ignore_index || (t[i] >= 0 && t[i] < x.size(1)), op, "target[", i, "] = ", t[i],
          " is not a class index in [0, ", x.size(1), ")");
  }
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, true); }

Tensor nll_loss(const Tensor& logp_in, const Tensor& target, const CrossEntropyOptions& options) {
  check_classification(logp_in, target, options.weight, options.ignore_index, "nll_loss");
  Tensor logp = logp_in.detach().contiguous();
  int64_t n = logp.size(0);
  Tensor losses = Tensor::empty({n}, logp.options());
  Tensor wsum = Tensor::empty({n}, logp.options());
  StridedView wv = options.weight.defined() ? options.weight.contiguous().view_for_kernel()
                                            : StridedView{};
  if (n > 0) {
    backend(logp.device()).nll_forward(losses.view_for_kernel(), wsum.view_for_kernel(),
                                       logp.view_for_kernel(), target.view_for_kernel(), wv,
                                       options.ignore_index);
  }
  // Autograd: losses depends on logp through a gather; its backward scatters.
  if (any_requires_grad({logp_in})) {
    Tensor td = target.detach(), wd = options.weight.defined() ? options.weight.detach().contiguous() : Tensor();
    Shape ls = logp.shape();
    int64_t ignore = options.ignore_index;
    record_backward("nll_loss", {logp_in}, {losses}, [=](const std::vector<Tensor>& g) {
      Tensor gl = Tensor::empty(ls, g[0].options());
      Tensor gc = g[0].contiguous();
      StridedView w = wd.defined() ? wd.view_for_kernel() : StridedView{};
      backend(gl.device()).nll_backward(gl.view_for_kernel(), gc.view_for_kernel(),
                                        td.view_for_kernel(), w, ignore);
      return std::vector<Tensor>{gl};
    });
  }
  switch (options.reduction) {
    case Reduction::None: return losses;
    case Reduction::Sum: return sum(losses);
    case Reduction::Mean: return div(sum(losses), sum(wsum));
  }
  return losses;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     const CrossEntropyOptions& options) {
  check(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0, "cross_entropy",
        "label_smoothing must be in [0, 1], got ", options.label_smoothing);
  check(logits.dim() == 2, "cross_entropy", "expects logits [N, C], got ",
        shape_str(logits.shape()));
  Tensor logp = log_softmax(logits, 1);
  double eps = options.label_smoothing;
  if (eps == 0.0) return nll_loss(logp, target, options);

  // Label smoothing (PyTorch): (1 - eps) * nll + eps / C * sum_c w_c * (-logp_c), both
  // reduced the same way (mean: divided by the summed target weights).
  check_classification(logits, target, options.weight, options.ignore_index, "cross_entropy");
  int64_t classes = logits.size(1);
  CrossEntropyOptions per_sample = options;
  per_sample.reduction = Reduction::None;
  Tensor nll = nll_loss(logp, target, per_sample);
  Tensor weighted = options.weight.defined() ? mul(logp, options.weight.view({1, classes})) : logp;
  Tensor smooth = neg(sum(weighted, {1}));
  Tensor valid = ne(target, static_cast<double>(options.ignore_index)).to(logp.dtype());
  smooth = mul(smooth, valid);
  Tensor per = add(mul(nll, 1.0 - eps), mul(smooth, eps / static_cast<double>(classes)));
  switch (options.reduction) {
    case Reduction::None: return per;
    case Reduction::Sum: return sum(per);
    case Reduction::Mean: {
      Tensor denom;
      if (options.weight.defined()) {
        // The summed target weights: nll_loss of log-probabilities all equal to -1.
        denom = sum(nll_loss(full(logp.shape(), -1.0, logp.options()), target, per_sample));
      } else {
        denom = sum(valid);
      }
      return div(sum(per), denom);
    }
  }
  return per;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check(input.shape() == target.shape(), "mse_loss", "input ", shape_str(input.shape()),
        " and target ", shape_str(target.shape()), " differ in shape");
  return reduce_loss(square(sub(input, target)), reduction);
}

}  // namespace msq
