// Reductions over the middle dim of a contiguous [outer, n, inner] on the CPU.
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

namespace {

template <class T>
struct Accumulate {
  // float sums accumulate in double; the rest in their own type.
  using type = std::conditional_t<std::is_same_v<T, float>, double, T>;
};

template <ReduceOp Op, class A>
inline A combine(A acc, A v) {
  if constexpr (Op == ReduceOp::Sum) return acc + v;
  else if constexpr (Op == ReduceOp::Max) return (v > acc || v != v) ? v : acc;  // NaN wins
  else return (v < acc || v != v) ? v : acc;
}

template <ReduceOp Op, class T>
void reduce_typed(T* out, const T* x, int64_t outer, int64_t n, int64_t inner) {
  using A = std::conditional_t<Op == ReduceOp::Sum, typename Accumulate<T>::type, T>;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (outer * n > 32768 && outer > 1)
    for (int64_t o = 0; o < outer; ++o) {
      const T* row = x + o * n;
      A acc = Op == ReduceOp::Sum ? A(0) : A(row[0]);
      if constexpr (Op == ReduceOp::Sum) {
        // Four partial sums keep the loop vectorisable and the error small.
        A s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
          s0 += A(row[i]); s1 += A(row[i + 1]); s2 += A(row[i + 2]); s3 += A(row[i + 3]);
        }
        for (; i < n; ++i) s0 += A(row[i]);
        acc = (s0 + s1) + (s2 + s3);
      } else {
        for (int64_t i = 1; i < n; ++i) acc = combine<Op, A>(acc, A(row[i]));
      }
      out[o] = static_cast<T>(acc);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (outer * n * inner > 32768 && outer > 1)
  for (int64_t o = 0; o < outer; ++o) {
    std::vector<A> acc(static_cast<size_t>(inner));
    const T* block = x + o * n * inner;
    for (int64_t i = 0; i < inner; ++i) acc[i] = Op == ReduceOp::Sum ? A(0) : A(block[i]);
    for (int64_t r = (Op == ReduceOp::Sum ? 0 : 1); r < n; ++r) {
      const T* row = block + r * inner;
      for (int64_t i = 0; i < inner; ++i) acc[i] = combine<Op, A>(acc[i], A(row[i]));
    }
    for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<T>(acc[i]);
  }
}

}  // namespace

// out: [outer, inner], x: [outer, n, inner] contiguous, same dtype
void CpuBackend::reduce(ReduceOp op, const StridedView& out, const StridedView& x, int64_t outer,
                        int64_t n, int64_t inner) {
  cpu::dispatch_numeric_types(x.dtype, "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.ptr<T>();
    const T* in = x.ptr<T>();
    switch (op) {
      case ReduceOp::Sum: reduce_typed<ReduceOp::Sum>(o, in, outer, n, inner); break;
      case ReduceOp::Max: reduce_typed<ReduceOp::Max>(o, in, outer, n, inner); break;
      case ReduceOp::Min: reduce_typed<ReduceOp::Min>(o, in, outer, n, inner); break;
    }
  });
}

// index: int64 [outer, inner], x: [outer, n, inner] contiguous
void CpuBackend::argmax(const StridedView& index, const StridedView& x, int64_t outer, int64_t n,
                        int64_t inner) {
  cpu::dispatch_numeric_types(x.dtype, "argmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t* idx = index.ptr<int64_t>();
    const T* in = x.ptr<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const T* p = in + o * n * inner + i;
        int64_t best = 0;
        T bv = p[0];
        for (int64_t r = 1; r < n; ++r) {
          T v = p[r * inner];
          if (v > bv || (v != v && bv == bv)) {
            bv = v;
            best = r;
          }
        }
        idx[o * inner + i] = best;
      }
    }
  });
}

}  // namespace msq
