#include "engine/ops/shape_ops.h"

#include "engine/autograd/node.h"
#include "kernels/backend.h"

namespace msq {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim_in) {
  check(!tensors.empty(), "cat", "expects at least one tensor");
  const Tensor& first = tensors[0];
  int64_t dim = wrap_dim(dim_in, first.dim(), "cat");
  Shape shape = first.shape();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check(t.dim() == first.dim(), "cat", "tensor ", i, " has shape ", shape_str(t.shape()),
          ", tensor 0 has ", shape_str(first.shape()), " (different number of dims)");
    check(t.dtype() == first.dtype() && t.device() == first.device(), "cat", "tensor ", i,
          " is ", dtype_name(t.dtype()), " on ", t.device().str(), ", tensor 0 is ",
          dtype_name(first.dtype()), " on ", first.device().str());
    for (int64_t d = 0; d < t.dim(); ++d) {
      check(d == dim || t.size(d) == first.size(d), "cat", "tensor ", i, " has shape ",
            shape_str(t.shape()), ", expected ", shape_str(first.shape()), " except in dim ", dim);
    }
    total += t.size(dim);
  }
  shape[dim] = total;
  Tensor out = Tensor::empty(shape, first.options());
  std::vector<int64_t> sizes;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (t.numel() > 0) {
      backend(out.device()).copy(out.detach().narrow(dim, offset, t.size(dim)).view_for_kernel(),
                                 t.view_for_kernel());
    }
    sizes.push_back(t.size(dim));
    offset += t.size(dim);
  }
  record_backward("cat", tensors, {out}, [dim, sizes](const std::vector<Tensor>& g) {
    std::vector<Tensor> grads;
    int64_t at = 0;
    for (int64_t s : sizes) {
      grads.push_back(g[0].narrow(dim, at, s));
      at += s;
    }
    return grads;
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  check(!tensors.empty(), "stack", "expects at least one tensor");
  int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (size_t i = 0; i < tensors.size(); ++i) {
    check(tensors[i].shape() == tensors[0].shape(), "stack", "tensor ", i, " has shape ",
          shape_str(tensors[i].shape()), ", tensor 0 has ", shape_str(tensors[0].shape()));
    expanded.push_back(tensors[i].unsqueeze(d));
  }
  return cat(expanded, d);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim_in) {
  int64_t dim = wrap_dim(dim_in, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    check(s >= 0, "split", "negative size in split sizes");
    total += s;
  }
  check(total == x.size(dim), "split", "sizes add up to ", total, " but dim ", dim, " of ",
        shape_str(x.shape()), " has ", x.size(dim));
  std::vector<Tensor> parts;
  int64_t at = 0;
  for (int64_t s : sizes) {
    parts.push_back(x.narrow(dim, at, s));
    at += s;
  }
  return parts;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim_in) {
  check(split_size > 0, "split", "split_size must be positive, got ", split_size);
  int64_t dim = wrap_dim(dim_in, x.dim(), "split");
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < x.size(dim); at += split_size) {
    sizes.push_back(std::min(split_size, x.size(dim) - at));
  }
  return split(x, sizes, dim);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  check(chunks > 0, "chunk", "chunks must be positive, got ", chunks);
  int64_t n = x.size(dim);
  return split(x, std::max<int64_t>((n + chunks - 1) / chunks, 1), dim);
}

}  // namespace msq
