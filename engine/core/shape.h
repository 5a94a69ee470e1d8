// Shapes and strides (in elements), and the broadcasting rules shared by every op.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace msq {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

// "[2, 3]". shape_str() returns a cheap handle, formatted only when printed or converted to
// std::string, so that check(cond, "op", ..., shape_str(x), ...) costs nothing when cond
// holds. It refers to the shape: use it within the expression that made it.
struct ShapeStr {
  const Shape* shape;
  operator std::string() const;  // NOLINT: converts implicitly where a string is wanted
};
std::ostream& operator<<(std::ostream& os, const ShapeStr& s);
inline ShapeStr shape_str(const Shape& shape) { return ShapeStr{&shape}; }
inline std::string operator+(const std::string& a, const ShapeStr& b) { return a + std::string(b); }
inline std::string operator+(const ShapeStr& a, const std::string& b) { return std::string(a) + b; }
// Wraps a possibly negative dim into [0, ndim); errors name the op.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// NumPy broadcasting of two shapes; errors name the op and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace msq
