// Tensor basics: metadata, data access, copies across devices and dtypes, creation.
// View ops live in engine/ops/views.cpp, printing in engine/core/print.cpp.
#include "engine/core/tensor.h"

#include <cmath>
#include <cstring>

#include "engine/autograd/grad_mode.h"
#include "engine/autograd/node.h"
#include "engine/core/device_random.h"
#include "engine/core/rng.h"
#include "kernels/backend.h"

namespace msq {

namespace {

std::shared_ptr<TensorImpl> make_impl(std::shared_ptr<Storage> storage, const Shape& shape,
                                      DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return impl;
}

}  // namespace

Tensor Tensor::empty_pinned(const Shape& shape, DType dtype) {
  for (int64_t s : shape) {
    check(s >= 0, "empty_pinned", "negative size in shape ", shape_str(shape));
  }
  check(static_cast<int>(shape.size()) <= kMaxDims, "empty_pinned", "shape ", shape_str(shape),
        " has more than ", kMaxDims, " dims");
  size_t bytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  auto storage = std::make_shared<Storage>(bytes, Device::cpu(), pinned_host_allocator());
  return Tensor(make_impl(std::move(storage), shape, dtype));
}

Tensor Tensor::empty(const Shape& shape, TensorOptions options) {
  for (int64_t s : shape) {
    check(s >= 0, "empty", "negative size in shape ", shape_str(shape));
  }
  check(static_cast<int>(shape.size()) <= kMaxDims, "empty", "shape ", shape_str(shape),
        " has more than ", kMaxDims, " dims");
  size_t bytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(options.dtype);
  auto storage = std::make_shared<Storage>(bytes, options.device);
  Tensor t(make_impl(std::move(storage), shape, options.dtype));
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

int64_t Tensor::size(int64_t dim) const { return shape()[wrap_dim(dim, this->dim(), "size")]; }
int64_t Tensor::stride(int64_t dim) const {
  return strides()[wrap_dim(dim, this->dim(), "stride")];
}

TensorOptions Tensor::options() const {
  TensorOptions o;
  o.dtype = dtype();
  o.device = device();
  return o;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  const Shape& sh = shape();
  const Shape& st = strides();
  for (size_t i = sh.size(); i-- > 0;) {
    if (sh[i] != 1 && st[i] != expected) return false;
    expected *= sh[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  TensorImpl* impl = checked();
  return static_cast<char*>(impl->storage->data()) + impl->offset * dtype_size(impl->dtype);
}

StridedView Tensor::view_for_kernel() const {
  TensorImpl* impl = checked();
  check(impl->shape.size() <= static_cast<size_t>(kMaxDims), "kernel", "tensor of shape ",
        shape_str(impl->shape), " has more than ", kMaxDims, " dims");
  StridedView v;
  v.data = raw_data();
  v.dtype = impl->dtype;
  v.ndim = static_cast<int>(impl->shape.size());
  for (int i = 0; i < v.ndim; ++i) {
    v.shape[i] = impl->shape[i];
    v.strides[i] = impl->strides[i];
  }
  return v;
}

double Tensor::item() const {
  check(numel() == 1, "item", "a tensor with ", numel(), " elements (shape ",
        shape_str(shape()), ") cannot be converted to a scalar");
  return to_vector<double>()[0];
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(Device::cpu()).to(dtype_of<T>::value).contiguous();
  const T* p = host.data<T>();
  return std::vector<T>(p, p + host.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;
template <>
std::vector<bool> Tensor::to_vector<bool>() const {
  std::vector<uint8_t> bytes = to(DType::UInt8).to_vector<uint8_t>();
  return std::vector<bool>(bytes.begin(), bytes.end());
}

// ---- copies ------------------------------------------------------------------------------

Tensor& Tensor::copy_(const Tensor& src) {
  check(src.defined(), "copy_", "source is undefined");
  Tensor source = src.dim() == dim() && src.shape() == shape() ? src : src.expand(shape());
  if (source.device() == device()) {
    backend(device()).copy(view_for_kernel(), source.view_for_kernel());
    return *this;
  }
  // Across devices: stage a contiguous copy in the destination dtype, move the bytes, then
  // copy into this (possibly strided) view on its own device.
  Tensor staged = source.to(dtype()).contiguous();
  Tensor landed = Tensor::empty(shape(), options());
  size_t bytes = static_cast<size_t>(numel()) * dtype_size(dtype());
  if (bytes > 0) {
    if (device().is_cpu()) {
      backend(staged.device()).copy_to_host(landed.raw_data(), staged.raw_data(), bytes);
    } else if (staged.device().is_cpu()) {
      backend(device()).copy_from_host(landed.raw_data(), staged.raw_data(), bytes);
    } else {
      Tensor via_host = staged.to(Device::cpu());
      backend(device()).copy_from_host(landed.raw_data(), via_host.raw_data(), bytes);
    }
  }
  if (landed.is_same(*this)) return *this;
  backend(device()).copy(view_for_kernel(), landed.view_for_kernel());
  return *this;
}

Tensor& Tensor::fill_(double value) {
  backend(device()).fill(view_for_kernel(), value);
  return *this;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), options());
  backend(device()).copy(out.view_for_kernel(), view_for_kernel());
  record_backward("clone", {*this}, {out},
                  [](const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0]}; });
  return out;
}

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  if (target.is_cuda() && !cuda_available()) {
    fail("to", "cannot move a tensor of shape ", shape_str(shape()), " to ", target.str(),
         ": CUDA is not available (", cuda_unavailable_reason(), ")");
  }
  Tensor out = Tensor::empty(shape(), options().with_device(target));
  out.copy_(*this);
  Device source = device();
  record_backward("to_device", {*this}, {out}, [source](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].to(source)};
  });
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), options().with_dtype(target));
  backend(device()).copy(out.view_for_kernel(), view_for_kernel());
  if (is_floating(target) && is_floating(dtype())) {
    DType source = dtype();
    record_backward("to_dtype", {*this}, {out}, [source](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{g[0].to(source)};
    });
  }
  return out;
}

// ---- autograd ----------------------------------------------------------------------------

Tensor& Tensor::requires_grad_(bool value) {
  TensorImpl* impl = checked();
  check(impl->grad_fn == nullptr, "requires_grad_",
        "only leaf tensors can change requires_grad; use detach() for a non-leaf");
  check(!value || is_floating(impl->dtype), "requires_grad_",
        "only floating tensors can require gradients, got ", dtype_name(impl->dtype));
  impl->requires_grad = value;
  return *this;
}

Tensor Tensor::grad() const {
  TensorImpl* impl = checked();
  return impl->grad ? Tensor(impl->grad) : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  TensorImpl* impl = checked();
  if (grad.defined()) {
    check(grad.shape() == impl->shape, "set_grad", "gradient shape ", shape_str(grad.shape()),
          " differs from the tensor's ", shape_str(impl->shape));
  }
  impl->grad = grad.defined() ? grad.impl_ptr() : nullptr;
}

Tensor Tensor::detach() const {
  TensorImpl* impl = checked();
  auto d = std::make_shared<TensorImpl>();
  d->storage = impl->storage;
  d->shape = impl->shape;
  d->strides = impl->strides;
  d->offset = impl->offset;
  d->dtype = impl->dtype;
  return Tensor(d);
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  check(requires_grad(), "backward",
        "the tensor does not require grad and has no grad_fn (shape ", shape_str(shape()), ")");
  Tensor seed = gradient;
  if (!seed.defined()) {
    check(numel() == 1, "backward",
          "grad can be implicitly created only for scalar outputs; got shape ",
          shape_str(shape()), " (pass a gradient of that shape)");
    seed = ones(shape(), options());
  } else {
    check(seed.shape() == shape(), "backward", "gradient shape ", shape_str(seed.shape()),
          " does not match the tensor's shape ", shape_str(shape()));
  }
  run_backward({*this}, {seed}, retain_graph);
}

// ---- creation ----------------------------------------------------------------------------

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor t = Tensor::empty(shape, options);
  t.fill_(value);
  return t;
}
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.options()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.options()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.options()); }
Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }

Tensor arange(double end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  check(step != 0, "arange", "step must be non-zero");
  double count = std::ceil((end - start) / step);
  int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  Tensor t = Tensor::empty({n}, options);
  if (n > 0) backend(t.device()).arange(t.view_for_kernel(), start, step);
  return t;
}

namespace {

// A new floating tensor filled by `draw(backend, view, seed, offset, base)` from the global
// generator, which reserves one counter per element. Inside a DeviceRandomScope on the
// tensor's device the offset is relative to the scope's origin and the kernel adds the base
// it reads from device memory (engine/core/device_random.h).
template <class Draw>
Tensor random_tensor(const char* op, const Shape& shape, TensorOptions options, Draw&& draw) {
  check(is_floating(options.dtype), op, "needs a floating dtype, got ", dtype_name(options.dtype));
  Tensor t = Tensor::empty(shape, options);
  Generator& gen = default_generator();
  uint64_t offset = gen.reserve(static_cast<uint64_t>(t.numel()));
  StridedView base;  // data == nullptr: no base
  const DeviceRandomScope* scope = active_device_random();
  if (scope && scope->base().device() == t.device()) {
    base = scope->base().tensor().view_for_kernel();
    offset -= scope->origin();
  }
  if (t.numel() > 0) draw(backend(t.device()), t.view_for_kernel(), gen.seed(), offset, base);
  return t;
}

}  // namespace

Tensor uniform(const Shape& shape, double low, double high, TensorOptions options) {
  return random_tensor("uniform", shape, options,
                       [&](Backend& b, const StridedView& v, uint64_t seed, uint64_t offset,
                           const StridedView& base) { b.random_uniform(v, seed, offset, base, low, high); });
}

Tensor rand(const Shape& shape, TensorOptions options) { return uniform(shape, 0, 1, options); }

Tensor randn(const Shape& shape, TensorOptions options) {
  return random_tensor("randn", shape, options,
                       [](Backend& b, const StridedView& v, uint64_t seed, uint64_t offset,
                          const StridedView& base) { b.random_normal(v, seed, offset, base, 0.0, 1.0); });
}

Tensor from_blob(const void* data, DType src_dtype, const Shape& shape, TensorOptions options) {
  bool rg = options.requires_grad;
  Tensor host = Tensor::empty(shape, TensorOptions(src_dtype));
  size_t bytes = static_cast<size_t>(host.numel()) * dtype_size(src_dtype);
  if (bytes) std::memcpy(host.raw_data(), data, bytes);
  Tensor out = host.to(options.dtype).to(options.device);
  if (rg) out.requires_grad_(true);
  return out;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options) {
  check(static_cast<int64_t>(values.size()) == shape_numel(shape), "from_vector", "got ",
        values.size(), " values for shape ", shape_str(shape), " (", shape_numel(shape),
        " elements)");
  return from_blob(values.data(), dtype_of<T>::value, shape, options);
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, TensorOptions);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&, TensorOptions);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&, TensorOptions);

}  // namespace msq
