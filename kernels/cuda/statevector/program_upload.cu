// Copies a program's arrays to the device in one allocation (uploaded once per circuit).
#include <cstring>
#include <vector>

#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/statevector/sample_group.cuh"
#include "kernels/cuda/statevector/small_circuit.h"

namespace msq::cuda {

DeviceProgram::~DeviceProgram() {
  if (block) backend(Device::cuda()).allocator().deallocate(block, bytes);
}

std::shared_ptr<const DeviceProgram> upload_program(const sv::Program& h) {
  // [ops][gates][slots][obs][constants], each 16-byte aligned
  const size_t sizes[5] = {h.n_ops * sizeof(sv::ProgOp), h.n_gates * sizeof(sv::ProgGate),
                           h.n_slots * sizeof(sv::ProgSlot), h.n_obs * sizeof(sv::ProgObservable),
                           h.n_constants * sizeof(double)};
  size_t offsets[5], total = 0;
  for (int k = 0; k < 5; ++k) {
    offsets[k] = total;
    total += align16(sizes[k]);
  }
  std::vector<unsigned char> staging(total ? total : 16, 0);
  const void* sources[5] = {h.ops, h.gates, h.slots, h.obs, h.constants};
  for (int k = 0; k < 5; ++k)
    if (sizes[k]) std::memcpy(staging.data() + offsets[k], sources[k], sizes[k]);
  auto d = std::make_shared<DeviceProgram>();
  d->bytes = staging.size();
  d->block = backend(Device::cuda()).allocator().allocate(d->bytes);
  MSQ_CUDA_CHECK(cudaMemcpy(d->block, staging.data(), d->bytes, cudaMemcpyHostToDevice));
  unsigned char* base = static_cast<unsigned char*>(d->block);
  d->view = h;
  d->view.ops = reinterpret_cast<const sv::ProgOp*>(base + offsets[0]);
  d->view.gates = reinterpret_cast<const sv::ProgGate*>(base + offsets[1]);
  d->view.slots = reinterpret_cast<const sv::ProgSlot*>(base + offsets[2]);
  d->view.obs = reinterpret_cast<const sv::ProgObservable*>(base + offsets[3]);
  d->view.constants = reinterpret_cast<const double*>(base + offsets[4]);
  return d;
}

}  // namespace msq::cuda
