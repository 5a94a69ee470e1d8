// Readable printing, in PyTorch's style; long dims are summarised with "...".
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "engine/autograd/node.h"
#include "engine/core/tensor.h"

namespace msq {

namespace {

constexpr int64_t kSummariseAbove = 1000;  // elements
constexpr int64_t kEdgeItems = 3;

std::string format_value(double v, DType dtype) {
  char buf[64];
  if (!is_floating(dtype)) {
    if (dtype == DType::Bool) return v != 0 ? "True" : "False";
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else if (std::isnan(v) || std::isinf(v) || (v != 0 && (std::fabs(v) >= 1e5 || std::fabs(v) < 1e-4))) {
    std::snprintf(buf, sizeof buf, "%.4e", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", v);
  }
  return buf;
}

void print_dim(std::ostream& os, const std::vector<double>& values, const Shape& shape,
               const Shape& strides, int64_t dim, int64_t base, DType dtype, bool summarise,
               int indent) {
  int64_t n = shape[dim];
  os << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (summarise && n > 2 * kEdgeItems && i == kEdgeItems) {
      os << "...";
      i = n - kEdgeItems - 1;
      os << (dim + 1 == static_cast<int64_t>(shape.size()) ? ", " : ",\n" + std::string(indent + 1, ' '));
      continue;
    }
    if (dim + 1 == static_cast<int64_t>(shape.size())) {
      os << format_value(values[base + i * strides[dim]], dtype);
      if (i + 1 < n) os << ", ";
    } else {
      print_dim(os, values, shape, strides, dim + 1, base + i * strides[dim], dtype, summarise,
                indent + 1);
      if (i + 1 < n) os << ",\n" << std::string(indent + 1, ' ');
    }
  }
  os << ']';
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream os;
  os << "tensor(";
  std::vector<double> values = to_vector<double>();
  if (dim() == 0) {
    os << format_value(values[0], dtype());
  } else {
    print_dim(os, values, shape(), contiguous_strides(shape()), 0, 0, dtype(),
              numel() > kSummariseAbove, 7);
  }
  os << ", shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype());
  if (!device().is_cpu()) os << ", device=" << device().str();
  if (grad_fn()) os << ", grad_fn=" << grad_fn()->name();
  else if (requires_grad()) os << ", requires_grad=true";
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace msq
