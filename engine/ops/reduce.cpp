#include "engine/ops/reduce.h"

#include <algorithm>

#include "engine/autograd/node.h"
#include "engine/ops/elementwise.h"
#include "kernels/backend.h"

namespace msq {

namespace {

// The reduced dims, sorted and unique (all dims when `dims` is empty).
std::vector<int64_t> normalise_dims(const Tensor& x, const std::vector<int64_t>& dims,
                                    const char* op) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t i = 0; i < x.dim(); ++i) out.push_back(i);
  } else {
    for (int64_t d : dims) out.push_back(wrap_dim(d, x.dim(), op));
  }
  std::sort(out.begin(), out.end());
  check(std::adjacent_find(out.begin(), out.end()) == out.end(), op, "a dim is repeated");
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    bool reduced = std::binary_search(dims.begin(), dims.end(), i);
    if (!reduced) out.push_back(shape[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// Lays x out as a contiguous [outer, n, inner] whose middle dim is the reduced one.
struct ReductionLayout {
  Tensor x;
  int64_t outer = 1, n = 1, inner = 1;
};

ReductionLayout layout_for(const Tensor& x, const std::vector<int64_t>& dims) {
  ReductionLayout l;
  bool consecutive = dims.empty() || dims.back() - dims.front() + 1 ==
                                         static_cast<int64_t>(dims.size());
  if (x.is_contiguous() && consecutive) {
    l.x = x;
    if (dims.empty()) {
      l.n = 1;
      l.outer = x.numel();
      return l;
    }
    for (int64_t i = 0; i < x.dim(); ++i) {
      if (i < dims.front()) l.outer *= x.size(i);
      else if (i > dims.back()) l.inner *= x.size(i);
      else l.n *= x.size(i);
    }
    return l;
  }
  Shape perm;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (!std::binary_search(dims.begin(), dims.end(), i)) {
      perm.push_back(i);
      l.outer *= x.size(i);
    }
  }
  for (int64_t d : dims) {
    perm.push_back(d);
    l.n *= x.size(d);
  }
  l.x = x.detach().permute(perm).contiguous();
  return l;
}

Tensor reduce_values(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims,
                     bool keepdim, const char* name) {
  check(x.dtype() != DType::Bool || op == ReduceOp::Sum, name, "not defined for bool tensors");
  ReductionLayout l = layout_for(x, dims);
  check(op == ReduceOp::Sum || l.n > 0, name, "cannot reduce an empty dim of shape ",
        shape_str(x.shape()));
  DType out_dtype = x.dtype() == DType::Bool || x.dtype() == DType::UInt8 ? DType::Int64 : x.dtype();
  if (op != ReduceOp::Sum) out_dtype = x.dtype();
  Tensor src = l.x.dtype() == out_dtype ? l.x : l.x.to(out_dtype);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), dims, keepdim), x.options().with_dtype(out_dtype));
  if (out.numel() > 0) {
    backend(x.device()).reduce(op, out.view_for_kernel(), src.view_for_kernel(), l.outer, l.n,
                               l.inner);
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  std::vector<int64_t> dims = normalise_dims(x, dims_in, "sum");
  Tensor out = reduce_values(ReduceOp::Sum, x, dims, keepdim, "sum");
  if (!any_requires_grad({x})) return out;
  Shape xs = x.shape(), kept = reduced_shape(x.shape(), dims, true);
  record_backward("sum", {x}, {out}, [=](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].reshape(kept).expand(xs).contiguous()};
  });
  return out;
}
Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  check(is_floating(x.dtype()), "mean", "expects a floating tensor, got ", dtype_name(x.dtype()));
  std::vector<int64_t> dims = normalise_dims(x, dims_in, "mean");
  int64_t n = 1;
  for (int64_t d : dims) n *= x.size(d);
  return div(sum(x, dims, keepdim), static_cast<double>(n));
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

namespace {

Tensor extreme(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim,
               const char* name) {
  std::vector<int64_t> dims = normalise_dims(x, dims_in, name);
  Tensor out = reduce_values(op, x, dims, keepdim, name);
  if (!any_requires_grad({x})) return out;
  Shape xs = x.shape(), kept = reduced_shape(x.shape(), dims, true);
  Tensor xd = x.detach(), yd = out.detach().reshape(kept);
  record_backward(name, {x}, {out}, [=](const std::vector<Tensor>& g) {
    Tensor mask = eq(xd, yd).to(xd.dtype());
    Tensor count = sum(mask, dims, true);
    return std::vector<Tensor>{div(mul(mask, g[0].reshape(kept)), count)};
  });
  return out;
}

}  // namespace

Tensor max(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme(ReduceOp::Max, x, dims, keepdim, "max");
}
Tensor max(const Tensor& x) { return max(x, {}, false); }
Tensor min(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme(ReduceOp::Min, x, dims, keepdim, "min");
}
Tensor min(const Tensor& x) { return min(x, {}, false); }

Tensor argmax(const Tensor& x, int64_t dim_in, bool keepdim) {
  int64_t dim = wrap_dim(dim_in, x.dim(), "argmax");
  check(x.dim() == 0 || x.size(dim) > 0, "argmax", "cannot take argmax over an empty dim of shape ",
        shape_str(x.shape()));
  ReductionLayout l = layout_for(x, {dim});
  Tensor out = Tensor::empty(reduced_shape(x.shape(), {dim}, keepdim),
                             x.options().with_dtype(DType::Int64));
  if (out.numel() > 0) {
    backend(x.device()).argmax(out.view_for_kernel(), l.x.view_for_kernel(), l.outer, l.n, l.inner);
  }
  return out;
}
Tensor argmax(const Tensor& x) { return argmax(x.reshape({x.numel()}), 0, false); }

Tensor var(const Tensor& x, const std::vector<int64_t>& dims_in, int64_t correction, bool keepdim) {
  check(is_floating(x.dtype()), "var", "expects a floating tensor, got ", dtype_name(x.dtype()));
  std::vector<int64_t> dims = normalise_dims(x, dims_in, "var");
  int64_t n = 1;
  for (int64_t d : dims) n *= x.size(d);
  Tensor centred = sub(x, mean(x, dims, true));
  Tensor ss = sum(square(centred), dims, keepdim);
  return div(ss, static_cast<double>(std::max<int64_t>(n - correction, 0)));
}
Tensor var(const Tensor& x) { return var(x, {}, 1, false); }

}  // namespace msq
