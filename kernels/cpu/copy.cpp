// Copies (with dtype conversion), fills and ranges on the CPU.
#include <cstring>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/strided_loop.h"

namespace msq {

namespace {

template <class To, class From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From(0);
  else return static_cast<To>(v);
}

}  // namespace

// dst: any strides, src: same shape, any strides and dtype
void CpuBackend::copy(const StridedView& dst, const StridedView& src) {
  if (dst.data == src.data && dst.dtype == src.dtype && dst.is_contiguous() && src.is_contiguous()) return;
  if (dst.dtype == src.dtype && dst.is_contiguous() && src.is_contiguous()) {
    std::memcpy(dst.data, src.data, static_cast<size_t>(dst.numel()) * dtype_size(dst.dtype));
    return;
  }
  auto loop = cpu::make_loop<2>({&dst, &src});
  cpu::dispatch_all_types(dst.dtype, "copy", [&](auto dt) {
    using To = typename decltype(dt)::type;
    cpu::dispatch_all_types(src.dtype, "copy", [&](auto st) {
      using From = typename decltype(st)::type;
      To* d = dst.ptr<To>();
      const From* s = src.ptr<From>();
      cpu::run_loop(loop, [&](const int64_t* off, const int64_t* str, int64_t n) {
        To* dp = d + off[0];
        const From* sp = s + off[1];
        if (str[0] == 1 && str[1] == 1) {
          for (int64_t i = 0; i < n; ++i) dp[i] = convert<To>(sp[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) dp[i * str[0]] = convert<To>(sp[i * str[1]]);
        }
      });
    });
  });
}

void CpuBackend::copy_from_host(void* dst, const void* src_host, size_t bytes) {
  std::memcpy(dst, src_host, bytes);
}

void CpuBackend::copy_to_host(void* dst_host, const void* src, size_t bytes) {
  std::memcpy(dst_host, src, bytes);
}

// dst: any strides
void CpuBackend::fill(const StridedView& dst, double value) {
  auto loop = cpu::make_loop<1>({&dst});
  cpu::dispatch_all_types(dst.dtype, "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v = convert<T>(value);
    T* d = dst.ptr<T>();
    cpu::run_loop(loop, [&](const int64_t* off, const int64_t* str, int64_t n) {
      T* p = d + off[0];
      if (str[0] == 1) {
        for (int64_t i = 0; i < n; ++i) p[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) p[i * str[0]] = v;
      }
    });
  });
}

// out: [n] contiguous
void CpuBackend::arange(const StridedView& out, double start, double step) {
  cpu::dispatch_numeric_types(out.dtype, "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.ptr<T>();
    int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
}

}  // namespace msq
