// The rows of slot values of a batched parameter-shift run (small_circuit.h).
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/statevector/small_circuit.h"

namespace msq::cuda {
namespace {

// out: [B][runs][n_slots]; one thread per element (grid-stride).
template <class R>
__global__ void shifted_slot_rows_kernel(sv::Program p, int64_t B, const R* x, const R* w,
                                         const int64_t* run_slot, const R* run_shift, int64_t runs,
                                         R* out) {
  const int64_t total = B * runs * p.n_slots;
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < total;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int s = int(e % p.n_slots);
    const int64_t row = e / p.n_slots;
    const int64_t r = row % runs, b = row / runs;
    R v = sv::slot_value(p.slots[s], x + b * p.n_inputs, w);
    if (run_slot[r] == s) v += run_shift[r];
    out[e] = v;
  }
}

}  // namespace

template <class R>
void shifted_slot_rows(const sv::Program& p, int64_t B, const R* x, const R* w,
                       const int64_t* run_slot, const R* run_shift, int64_t runs, R* slot_rows) {
  const int64_t total = B * runs * p.n_slots;
  if (total == 0) return;
  shifted_slot_rows_kernel<R>
      <<<grid_for(total), kThreads>>>(p, B, x, w, run_slot, run_shift, runs, slot_rows);
  MSQ_CUDA_CHECK(launch_status());
}

template void shifted_slot_rows<float>(const sv::Program&, int64_t, const float*, const float*,
                                       const int64_t*, const float*, int64_t, float*);
template void shifted_slot_rows<double>(const sv::Program&, int64_t, const double*, const double*,
                                        const int64_t*, const double*, int64_t, double*);

}  // namespace msq::cuda
