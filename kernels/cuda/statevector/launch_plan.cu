#include "kernels/cuda/statevector/launch_plan.h"

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.h"

namespace msq::cuda {
namespace {

int max_shared_per_block() {
  static int bytes = [] {
    int device = 0, v = 0;
    MSQ_CUDA_CHECK(cudaGetDevice(&device));
    MSQ_CUDA_CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    return v;
  }();
  return bytes;
}

Allocator& device_allocator() { return backend(Device::cuda()).allocator(); }

}  // namespace

LaunchPlan::LaunchPlan(int n, int64_t B, size_t sample_bytes, const void* kernel, const char* op) {
  check(B >= 1, op, "empty batch");
  choose_threads(n, &layout);
  layout.sample_bytes = align16(sample_bytes);
  const int64_t wanted = (B + layout.spb - 1) / layout.spb;
  if (layout.block_bytes() <= size_t(max_shared_per_block())) {
    layout.shared = true;
    layout.blocks = wanted;
    shared_bytes = layout.block_bytes();
    if (shared_bytes > 48 * 1024)
      MSQ_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          int(shared_bytes)));
  } else {
    // a few waves of blocks looping over the batch, each with its own global workspace
    layout.shared = false;
    const int64_t cap = int64_t(multiprocessor_count()) * 4;
    layout.blocks = wanted < cap ? wanted : cap;
    global_bytes_ = size_t(layout.blocks) * layout.block_bytes();
    layout.global = static_cast<unsigned char*>(device_allocator().allocate(global_bytes_));
  }
  check(layout.blocks <= int64_t(0x7fffffff), op, "batch of ", B, " is too large");
}

LaunchPlan::~LaunchPlan() {
  if (layout.global) device_allocator().deallocate(layout.global, global_bytes_);
}

}  // namespace msq::cuda
