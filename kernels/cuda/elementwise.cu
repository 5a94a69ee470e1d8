// Elementwise kernels on the GPU: the math is kernels/common/unary_math.h, shared with the
// CPU, so both backends evaluate the same formulas.
#include <type_traits>

#include "kernels/common/unary_math.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/strided_loop.cuh"

namespace msq {

namespace {

// out[off0] = op(x[off1]); integer inputs compute in double (as the CPU).
template <UnaryOp Op, class T>
struct UnaryFn {
  using C = std::conditional_t<std::is_floating_point_v<T>, T, double>;
  T* out;
  const T* x;
  C alpha, beta;
  __device__ void operator()(const int64_t* off) const {
    out[off[0]] = static_cast<T>(math::unary<C>(Op, static_cast<C>(x[off[1]]), alpha, beta));
  }
};

// gx[off0] = unary_grad(g[off1], x[off2], y[off3])
template <UnaryOp Op, class T>
struct UnaryGradFn {
  T* gx;
  const T *g, *x, *y;
  T alpha, beta;
  __device__ void operator()(const int64_t* off) const {
    gx[off[0]] = math::unary_grad<T>(Op, g[off[1]], x[off[2]], y[off[3]], alpha, beta);
  }
};

// out[off0] = a[off1] op b[off2]; comparisons write bool.
template <BinaryOp Op, class T>
struct BinaryFn {
  static constexpr bool kCmp = Op >= BinaryOp::Eq;
  using O = std::conditional_t<kCmp, bool, T>;
  // pow has no integer overloads on the device: integers raise in double.
  using C = std::conditional_t<Op == BinaryOp::Pow && !std::is_floating_point_v<T>, double, T>;
  O* out;
  const T *a, *b;
  __device__ void operator()(const int64_t* off) const {
    T av = a[off[1]], bv = b[off[2]];
    if constexpr (kCmp) out[off[0]] = math::compare<T>(Op, av, bv);
    else out[off[0]] = static_cast<T>(math::binary<C>(Op, static_cast<C>(av), static_cast<C>(bv)));
  }
};

// out[off0] = cond[off1] ? a[off2] : b[off3]
template <class T>
struct WhereFn {
  T* out;
  const bool* cond;
  const T *a, *b;
  __device__ void operator()(const int64_t* off) const {
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
};

}  // namespace

// out, x: same shape, any strides, same dtype
void CudaBackend::unary(UnaryOp op, const StridedView& out, const StridedView& x, double alpha,
                        double beta) {
  cuda::dispatch_numeric_types(x.dtype, unary_op_name(op), [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    cuda::dispatch_unary_op(op, [&](auto op_tag) {
      constexpr UnaryOp kOp = decltype(op_tag)::value;
      using F = UnaryFn<kOp, T>;
      using C = typename F::C;
      cuda::launch_elementwise<2>({&out, &x}, F{out.ptr<T>(), x.ptr<T>(), static_cast<C>(alpha),
                                               static_cast<C>(beta)});
    });
  });
}

// gx, g, x, y: same shape, any strides, one floating dtype
void CudaBackend::unary_grad(UnaryOp op, const StridedView& gx, const StridedView& g,
                             const StridedView& x, const StridedView& y, double alpha,
                             double beta) {
  cuda::dispatch_floating_types(x.dtype, unary_op_name(op), [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    cuda::dispatch_unary_op(op, [&](auto op_tag) {
      constexpr UnaryOp kOp = decltype(op_tag)::value;
      cuda::launch_elementwise<4>(
          {&gx, &g, &x, &y}, UnaryGradFn<kOp, T>{gx.ptr<T>(), g.ptr<T>(), x.ptr<T>(), y.ptr<T>(),
                                                 static_cast<T>(alpha), static_cast<T>(beta)});
    });
  });
}

// out, a, b: same shape (broadcast dims have stride 0); out is Bool for comparisons
void CudaBackend::binary(BinaryOp op, const StridedView& out, const StridedView& a,
                         const StridedView& b) {
  cuda::dispatch_all_types(a.dtype, binary_op_name(op), [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    cuda::dispatch_binary_op(op, [&](auto op_tag) {
      constexpr BinaryOp kOp = decltype(op_tag)::value;
      constexpr bool kCmp = kOp >= BinaryOp::Eq;
      if constexpr (std::is_same_v<T, bool> && !kCmp) {
        fail(binary_op_name(op), "arithmetic on bool tensors is not supported");
      } else {
        using F = BinaryFn<kOp, T>;
        cuda::launch_elementwise<3>({&out, &a, &b},
                                    F{out.ptr<typename F::O>(), a.ptr<T>(), b.ptr<T>()});
      }
    });
  });
}

// out, cond (Bool), a, b: same shape, any strides
void CudaBackend::where(const StridedView& out, const StridedView& cond, const StridedView& a,
                        const StridedView& b) {
  cuda::dispatch_all_types(a.dtype, "where", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    cuda::launch_elementwise<4>({&out, &cond, &a, &b},
                                WhereFn<T>{out.ptr<T>(), cond.ptr<bool>(), a.ptr<T>(), b.ptr<T>()});
  });
}

}  // namespace msq
