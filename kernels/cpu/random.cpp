// Counter-based random numbers on the CPU (kernels/common/philox.h, shared with CUDA): element
// i draws Philox(seed, base + offset + i), base read from memory (0 without one).
#include "kernels/common/philox.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"

namespace msq {

namespace {

// base_offset: int64 [1], or data == nullptr (0)
uint64_t first_counter(const StridedView& base_offset, uint64_t offset, const char* op) {
  if (!base_offset.data) return offset;
  check(base_offset.dtype == DType::Int64 && base_offset.numel() == 1, op,
        "the base offset must be int64 [1]");
  return static_cast<uint64_t>(*base_offset.ptr<int64_t>()) + offset;
}

}  // namespace

// out: contiguous floating
void CpuBackend::random_uniform(const StridedView& out, uint64_t seed, uint64_t offset,
                                const StridedView& base_offset, double low, double high) {
  offset = first_counter(base_offset, offset, "uniform");
  cpu::dispatch_floating_types(out.dtype, "uniform", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.ptr<T>();
    int64_t n = out.numel();
    double span = high - low;
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) {
      T v = static_cast<T>(low + span * philox::uniform(seed, offset + static_cast<uint64_t>(i)));
      p[i] = v < static_cast<T>(high) ? v : static_cast<T>(low);  // keep [low, high) after rounding
    }
  });
}

// out: contiguous floating
void CpuBackend::random_normal(const StridedView& out, uint64_t seed, uint64_t offset,
                               const StridedView& base_offset, double mean, double stddev) {
  offset = first_counter(base_offset, offset, "normal");
  cpu::dispatch_floating_types(out.dtype, "normal", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.ptr<T>();
    int64_t n = out.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) {
      p[i] = static_cast<T>(mean + stddev * philox::normal(seed, offset + static_cast<uint64_t>(i)));
    }
  });
}

}  // namespace msq
