#include "engine/core/storage.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

#include "engine/core/error.h"
#include "kernels/backend.h"

namespace msq {

namespace {

// Blocks of at least kHugeBlock are aligned to 2 MB and asked to be backed by transparent
// huge pages: a fresh 50 MB activation then takes 25 page faults instead of 12,800, which
// otherwise cost more than the convolution that writes it (glibc maps such blocks anew on
// every allocation and unmaps them on free). With a 4 MB threshold the study CNN's training
// step spent more time in the kernel (2 MB pages zeroed whole, rounding), hence 32 MB.
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeBlock = size_t(32) << 20;

// 64-byte aligned host memory (one cache line, one AVX-512 vector).
class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    const bool huge = bytes >= kHugeBlock;
    const size_t align = huge ? kHugePage : 64;
    const size_t rounded = bytes == 0 ? align : (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded);
    if (!p) fail("cpu allocator", "out of memory allocating ", bytes, " bytes");
#ifdef MADV_HUGEPAGE
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure changes nothing
#endif
    return p;
  }
  void deallocate(void* ptr, size_t) override { std::free(ptr); }
};

}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator allocator;
  return allocator;
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  allocator_ = &backend(device).allocator();
  data_ = allocator_->allocate(bytes);
}

Storage::~Storage() {
  if (data_) allocator_->deallocate(data_, bytes_);
}

}  // namespace msq
