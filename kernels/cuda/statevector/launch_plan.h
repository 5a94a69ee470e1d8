// Host side of the small-circuit launches: the sample layout (sample_group.cuh) for a batch,
// the dynamic shared memory the kernel is allowed, or a global workspace (from the caching
// allocator, returned when the plan ends) when a block's workspace exceeds the device's
// shared memory per block.
#pragma once
#include "kernels/cuda/statevector/sample_group.cuh"

namespace msq::cuda {

class LaunchPlan {
 public:
  // kernel: the __global__ function to launch (its shared-memory limit is raised as needed).
  LaunchPlan(int n, int64_t B, size_t sample_bytes, const void* kernel, const char* op);
  ~LaunchPlan();
  LaunchPlan(const LaunchPlan&) = delete;
  LaunchPlan& operator=(const LaunchPlan&) = delete;

  SampleLayout layout;
  size_t shared_bytes = 0;  // dynamic shared memory per block
  unsigned threads() const { return unsigned(layout.tps * layout.spb); }
  unsigned blocks() const { return unsigned(layout.blocks); }

 private:
  size_t global_bytes_ = 0;
};

}  // namespace msq::cuda
