// View ops: new shape/strides/offset over the same storage, each with its backward.
#include <algorithm>
#include <numeric>

#include "engine/autograd/node.h"
#include "engine/core/tensor.h"
#include "engine/ops/elementwise.h"

namespace msq {

namespace {

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(impl);
}

// Strides that let `shape` view memory laid out as (old_shape, old_strides), or false
// (PyTorch's rule: each group of merged/split dims must be contiguous within itself).
bool view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& shape,
                  Shape& strides) {
  strides.assign(shape.size(), 0);
  if (shape_numel(old_shape) == 0) {
    strides = contiguous_strides(shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (d == 0 || (old_shape[d - 1] != 1 &&
                   old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Shape infer_shape(const Shape& requested, int64_t numel, const char* op) {
  Shape shape = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      check(infer < 0, op, "only one dim can be -1 in ", shape_str(requested));
      infer = static_cast<int64_t>(i);
    } else {
      check(shape[i] >= 0, op, "invalid size in ", shape_str(requested));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    check(known > 0 && numel % known == 0, op, "shape ", shape_str(requested),
          " is invalid for input of size ", numel);
    shape[infer] = numel / known;
  }
  check(shape_numel(shape) == numel, op, "shape ", shape_str(requested),
        " is invalid for input of size ", numel);
  return shape;
}

Tensor record_reshape(const char* name, const Tensor& x, Tensor out) {
  Shape xs = x.shape();
  record_backward(name, {x}, {out}, [xs](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].reshape(xs)};
  });
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  Shape shape = infer_shape(requested, numel(), "view");
  Shape st;
  check(view_strides(this->shape(), strides(), shape, st), "view", "cannot view a tensor of shape ",
        shape_str(this->shape()), " and strides ", shape_str(strides()), " as ", shape_str(shape),
        "; use reshape()");
  return record_reshape("view", *this, make_view(*this, shape, st, offset()));
}

Tensor Tensor::reshape(const Shape& requested) const {
  Shape shape = infer_shape(requested, numel(), "reshape");
  Shape st;
  if (view_strides(this->shape(), strides(), shape, st)) {
    return record_reshape("reshape", *this, make_view(*this, shape, st, offset()));
  }
  Tensor c = clone();  // clone records its own backward
  return record_reshape("reshape", c, make_view(c, shape, contiguous_strides(shape), c.offset()));
}

Tensor Tensor::permute(const Shape& dims) const {
  check(static_cast<int64_t>(dims.size()) == dim(), "permute", "got ", dims.size(),
        " dims for a tensor of shape ", shape_str(shape()));
  Shape shape(dims.size()), st(dims.size()), inverse(dims.size());
  std::vector<bool> used(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim(), "permute");
    check(!used[d], "permute", "dim ", d, " repeated in ", shape_str(dims));
    used[d] = true;
    shape[i] = this->shape()[d];
    st[i] = strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  Tensor out = make_view(*this, shape, st, offset());
  record_backward("permute", {*this}, {out}, [inverse](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].permute(inverse)};
  });
  return out;
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  Shape perm(dim());
  std::iota(perm.begin(), perm.end(), 0);
  if (dim() > 0) {
    std::swap(perm[wrap_dim(dim0, dim(), "transpose")], perm[wrap_dim(dim1, dim(), "transpose")]);
  }
  return permute(perm);
}

Tensor Tensor::t() const {
  check(dim() <= 2, "t", "expects a tensor of at most 2 dims, got shape ", shape_str(shape()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::slice(int64_t dim_in, int64_t start, int64_t end, int64_t step) const {
  int64_t d = wrap_dim(dim_in, dim(), "slice");
  check(step > 0, "slice", "step must be positive, got ", step);
  int64_t n = size(d);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = this->shape(), st = strides();
  shape[d] = (end - start + step - 1) / step;
  st[d] *= step;
  Tensor out = make_view(*this, shape, st, offset() + start * strides()[d]);
  Shape xs = this->shape();
  record_backward("slice", {*this}, {out}, [=](const std::vector<Tensor>& g) {
    Tensor gx = zeros(xs, g[0].options());
    gx.slice(d, start, end, step).copy_(g[0]);
    return std::vector<Tensor>{gx};
  });
  return out;
}

Tensor Tensor::narrow(int64_t dim_in, int64_t start, int64_t length) const {
  int64_t d = wrap_dim(dim_in, dim(), "narrow");
  if (start < 0) start += size(d);
  check(start >= 0 && length >= 0 && start + length <= size(d), "narrow", "range [", start, ", ",
        start + length, ") is out of bounds for dim ", d, " of size ", size(d));
  return slice(d, start, start + length, 1);
}

Tensor Tensor::select(int64_t dim_in, int64_t index) const {
  int64_t d = wrap_dim(dim_in, dim(), "select");
  int64_t n = size(d);
  check(index >= -n && index < n, "select", "index ", index, " is out of range for dim ", d,
        " of size ", n);
  if (index < 0) index += n;
  return narrow(d, index, 1).squeeze(d);
}

Tensor Tensor::expand(const Shape& target) const {
  check(static_cast<int64_t>(target.size()) >= dim(), "expand", "cannot expand ",
        shape_str(shape()), " to fewer dims ", shape_str(target));
  size_t lead = target.size() - shape().size();
  Shape shape(target.size()), st(target.size(), 0);
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) {
      check(target[i] >= 0, "expand", "invalid target ", shape_str(target));
      shape[i] = target[i];
      continue;
    }
    int64_t have = this->shape()[i - lead];
    int64_t want = target[i] == -1 ? have : target[i];
    check(have == want || have == 1, "expand", "cannot expand ", shape_str(this->shape()),
          " to ", shape_str(target), " (dim ", i, ": ", have, " vs ", want, ")");
    shape[i] = want;
    st[i] = have == want ? strides()[i - lead] : 0;
  }
  if (shape == this->shape()) return *this;
  Tensor out = make_view(*this, shape, st, offset());
  Shape xs = this->shape();
  record_backward("expand", {*this}, {out}, [xs](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{sum_to_shape(g[0], xs)};
  });
  return out;
}

Tensor Tensor::squeeze() const {
  Shape shape;
  for (int64_t s : this->shape()) {
    if (s != 1) shape.push_back(s);
  }
  return reshape(shape);
}

Tensor Tensor::squeeze(int64_t dim_in) const {
  if (dim() == 0) return *this;
  int64_t d = wrap_dim(dim_in, dim(), "squeeze");
  if (size(d) != 1) return *this;
  Shape shape = this->shape(), st = strides();
  shape.erase(shape.begin() + d);
  st.erase(st.begin() + d);
  return record_reshape("squeeze", *this, make_view(*this, shape, st, offset()));
}

Tensor Tensor::unsqueeze(int64_t dim_in) const {
  int64_t d = wrap_dim(dim_in, dim() + 1, "unsqueeze");
  Shape shape = this->shape(), st = strides();
  int64_t stride = d < dim() ? strides()[d] * this->shape()[d] : 1;
  shape.insert(shape.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return record_reshape("unsqueeze", *this, make_view(*this, shape, st, offset()));
}

Tensor Tensor::flatten(int64_t start_in, int64_t end_in) const {
  if (dim() == 0) return reshape({1});
  int64_t start = wrap_dim(start_in, dim(), "flatten"), end = wrap_dim(end_in, dim(), "flatten");
  check(start <= end, "flatten", "start_dim ", start, " is after end_dim ", end);
  Shape shape;
  for (int64_t i = 0; i < start; ++i) shape.push_back(size(i));
  int64_t merged = 1;
  for (int64_t i = start; i <= end; ++i) merged *= size(i);
  shape.push_back(merged);
  for (int64_t i = end + 1; i < dim(); ++i) shape.push_back(size(i));
  return reshape(shape);
}

}  // namespace msq
