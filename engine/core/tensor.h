// Tensor: a handle (shared pointer) to a TensorImpl, which is shape, strides and offset over
// a shared Storage, plus autograd state. Copying a Tensor copies the handle, not the data.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/device.h"
#include "engine/core/dtype.h"
#include "engine/core/error.h"
#include "engine/core/shape.h"
#include "engine/core/storage.h"

namespace msq {

class Node;
class Tensor;
struct StridedView;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  DType dtype = DType::Float32;

  // autograd
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf
  std::shared_ptr<Node> grad_fn;     // the node that made this tensor (null for a leaf)
  int output_nr = 0;                 // which output of grad_fn this tensor is
};

struct TensorOptions {
  DType dtype = DType::Float32;
  Device device = Device::cpu();
  bool requires_grad = false;

  TensorOptions() = default;
  TensorOptions(DType t) : dtype(t) {}  // NOLINT: a dtype alone is a valid set of options
  TensorOptions(Device d) : device(d) {}  // NOLINT
  TensorOptions with_dtype(DType t) const { TensorOptions o = *this; o.dtype = t; return o; }
  TensorOptions with_device(Device d) const { TensorOptions o = *this; o.device = d; return o; }
  TensorOptions with_requires_grad(bool r = true) const {
    TensorOptions o = *this; o.requires_grad = r; return o;
  }
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // Uninitialised memory of the given shape.
  static Tensor empty(const Shape& shape, TensorOptions options = {});
  // A CPU tensor in page-locked memory (pinned_host_allocator()): faster copies to the GPU.
  static Tensor empty_pinned(const Shape& shape, DType dtype = DType::Float32);

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- metadata ------------------------------------------------------------------------
  const Shape& shape() const { return checked()->shape; }
  const Shape& strides() const { return checked()->strides; }
  int64_t size(int64_t dim) const;  // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t numel() const { return shape_numel(shape()); }
  int64_t offset() const { return checked()->offset; }
  DType dtype() const { return checked()->dtype; }
  Device device() const { return checked()->storage->device(); }
  TensorOptions options() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return checked()->storage; }

  // ---- data access (CPU tensors) -------------------------------------------------------
  void* raw_data() const;  // pointer to the first element (offset applied)
  template <class T> T* data() const {
    check(dtype_of<T>::value == dtype(), "data", "tensor holds ", dtype_name(dtype()),
          ", asked for ", dtype_name(dtype_of<T>::value));
    return static_cast<T*>(raw_data());
  }
  // The single element of a one-element tensor, on any device, as a double.
  double item() const;
  template <class T> T item() const { return static_cast<T>(item()); }
  // All elements in row-major order, converted to T (copies from the device if needed).
  template <class T> std::vector<T> to_vector() const;
  StridedView view_for_kernel() const;

  // ---- views (share storage) ------------------------------------------------------------
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor view(const Shape& shape) const;     // a view, or an error
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;  // 2-D transpose
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;

  // ---- copies ---------------------------------------------------------------------------
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  Tensor cpu() const { return to(Device::cpu()); }
  // Copies src into this tensor in place (broadcasting src; no autograd).
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }

  // ---- autograd ------------------------------------------------------------------------
  bool requires_grad() const { return checked()->requires_grad; }
  // Marks a leaf as requiring gradients (errors on a non-leaf).
  Tensor& requires_grad_(bool value = true);
  bool is_leaf() const { return checked()->grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return checked()->grad_fn; }
  // The accumulated gradient of a leaf (undefined until a backward reaches it).
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  // The same data, cut from the graph.
  Tensor detach() const;
  // Backpropagates from this tensor. Without `gradient`, the tensor must have one element.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  // ---- printing ------------------------------------------------------------------------
  std::string str() const;

 private:
  TensorImpl* checked() const {
    if (!impl_) fail("tensor", "use of an undefined tensor");
    return impl_.get();
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- creation -----------------------------------------------------------------------------
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor scalar_tensor(double value, TensorOptions options = {});  // 0-dim
// start, start + step, ... < end (int64 by default when all are integers, like PyTorch).
Tensor arange(double end, TensorOptions options = DType::Int64);
Tensor arange(double start, double end, double step = 1, TensorOptions options = DType::Int64);
// Uniform in [low, high) and standard normal, drawn from the global generator (rng.h).
Tensor rand(const Shape& shape, TensorOptions options = {});
Tensor randn(const Shape& shape, TensorOptions options = {});
Tensor uniform(const Shape& shape, double low, double high, TensorOptions options = {});
// Copies host data (row-major) into a new tensor of the given shape; without options the
// dtype is T's (float -> float32, double -> float64, int64_t -> int64, uint8_t -> uint8).
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options);
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  return from_vector(values, shape, TensorOptions(dtype_of<T>::value));
}
Tensor from_blob(const void* data, DType src_dtype, const Shape& shape, TensorOptions options);

}  // namespace msq
