// Elementwise kernels on the CPU: the math is kernels/common/unary_math.h, shared with CUDA.
#include "kernels/common/unary_math.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/strided_loop.h"
#include "kernels/cpu/vector_math.h"

namespace msq {

// out, x: same shape, any strides, same dtype
void CpuBackend::unary(UnaryOp op, const StridedView& out, const StridedView& x, double alpha,
                       double beta) {
  auto loop = cpu::make_loop<2>({&out, &x});
  cpu::dispatch_numeric_types(x.dtype, unary_op_name(op), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = std::conditional_t<std::is_floating_point_v<T>, T, double>;  // compute type
    cpu::dispatch_unary_op(op, [&](auto op_tag) {
      constexpr UnaryOp kOp = decltype(op_tag)::value;
      T* o = out.ptr<T>();
      const T* in = x.ptr<T>();
      C a = static_cast<C>(alpha), b = static_cast<C>(beta);
      cpu::run_loop(loop, [&](const int64_t* off, const int64_t* str, int64_t n) {
        T* op_ = o + off[0];
        const T* ip = in + off[1];
        if (str[0] == 1 && str[1] == 1) {
          if constexpr (std::is_same_v<T, float>) {
            if (cpu::vec::unary_contiguous(kOp, op_, ip, n)) return;
          }
          for (int64_t i = 0; i < n; ++i) op_[i] = static_cast<T>(math::unary<C>(kOp, C(ip[i]), a, b));
        } else {
          for (int64_t i = 0; i < n; ++i) {
            op_[i * str[0]] = static_cast<T>(math::unary<C>(kOp, C(ip[i * str[1]]), a, b));
          }
        }
      });
    });
  });
}

// gx, g, x, y: same shape, any strides, one floating dtype
void CpuBackend::unary_grad(UnaryOp op, const StridedView& gx, const StridedView& g,
                            const StridedView& x, const StridedView& y, double alpha, double beta) {
  auto loop = cpu::make_loop<4>({&gx, &g, &x, &y});
  cpu::dispatch_floating_types(x.dtype, unary_op_name(op), [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::dispatch_unary_op(op, [&](auto op_tag) {
      constexpr UnaryOp kOp = decltype(op_tag)::value;
      T* gxp = gx.ptr<T>();
      const T *gp = g.ptr<T>(), *xp = x.ptr<T>(), *yp = y.ptr<T>();
      T a = static_cast<T>(alpha), b = static_cast<T>(beta);
      cpu::run_loop(loop, [&](const int64_t* off, const int64_t* s, int64_t n) {
        T* o = gxp + off[0];
        const T *gi = gp + off[1], *xi = xp + off[2], *yi = yp + off[3];
        if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1) {
          if constexpr (std::is_same_v<T, float>) {
            if (cpu::vec::unary_grad_contiguous(kOp, o, gi, xi, yi, n)) return;
          }
          for (int64_t i = 0; i < n; ++i) o[i] = math::unary_grad<T>(kOp, gi[i], xi[i], yi[i], a, b);
        } else {
          for (int64_t i = 0; i < n; ++i) {
            o[i * s[0]] = math::unary_grad<T>(kOp, gi[i * s[1]], xi[i * s[2]], yi[i * s[3]], a, b);
          }
        }
      });
    });
  });
}

// out, a, b: same shape (broadcast dims have stride 0); out is Bool for comparisons
void CpuBackend::binary(BinaryOp op, const StridedView& out, const StridedView& a,
                        const StridedView& b) {
  auto loop = cpu::make_loop<3>({&out, &a, &b});
  cpu::dispatch_all_types(a.dtype, binary_op_name(op), [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::dispatch_binary_op(op, [&](auto op_tag) {
      constexpr BinaryOp kOp = decltype(op_tag)::value;
      constexpr bool kCmp = kOp >= BinaryOp::Eq;
      using O = std::conditional_t<kCmp, bool, T>;
      if constexpr (std::is_same_v<T, bool> && !kCmp) {
        fail(binary_op_name(op), "arithmetic on bool tensors is not supported");
      } else {
        O* o = out.ptr<O>();
        const T *ap = a.ptr<T>(), *bp = b.ptr<T>();
        cpu::run_loop(loop, [&](const int64_t* off, const int64_t* s, int64_t n) {
          O* op_ = o + off[0];
          const T *ai = ap + off[1], *bi = bp + off[2];
          auto apply = [](T x, T y) -> O {
            if constexpr (kCmp) return math::compare<T>(kOp, x, y);
            else return static_cast<T>(math::binary<T>(kOp, x, y));
          };
          if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
            for (int64_t i = 0; i < n; ++i) op_[i] = apply(ai[i], bi[i]);
          } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
            T bv = bi[0];
            for (int64_t i = 0; i < n; ++i) op_[i] = apply(ai[i], bv);
          } else {
            for (int64_t i = 0; i < n; ++i) op_[i * s[0]] = apply(ai[i * s[1]], bi[i * s[2]]);
          }
        });
      }
    });
  });
}

// out, cond (Bool), a, b: same shape, any strides
void CpuBackend::where(const StridedView& out, const StridedView& cond, const StridedView& a,
                       const StridedView& b) {
  auto loop = cpu::make_loop<4>({&out, &cond, &a, &b});
  cpu::dispatch_all_types(a.dtype, "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.ptr<T>();
    const bool* c = cond.ptr<bool>();
    const T *ap = a.ptr<T>(), *bp = b.ptr<T>();
    cpu::run_loop(loop, [&](const int64_t* off, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        o[off[0] + i * s[0]] = c[off[1] + i * s[1]] ? ap[off[2] + i * s[2]] : bp[off[3] + i * s[3]];
      }
    });
  });
}

}  // namespace msq
