// The table of backends, filled by explicit registration on first use.
#include <mutex>

#include "engine/core/error.h"
#include "kernels/backend.h"

namespace msq {

namespace {

Backend* table[2] = {nullptr, nullptr};

void register_all() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_cpu_backend();
    register_cuda_backend();
  });
}

}  // namespace

void set_backend(DeviceType type, Backend* b) { table[static_cast<int>(type)] = b; }

Backend& backend(Device device) {
  register_all();
  if (device.is_cuda()) {
    if (!table[1] || !cuda_available()) {
      fail("device", "a CUDA tensor was asked for, but CUDA is not available (",
           cuda_unavailable_reason(), ")");
    }
    check(device.index < cuda_device_count(), "device", device.str(), " does not exist (",
          cuda_device_count(), " CUDA device(s) found)");
  }
  return *table[static_cast<int>(device.type)];
}

#ifndef MSQ_WITH_CUDA
Allocator& pinned_host_allocator() { return cpu_allocator(); }
void register_cuda_backend() {}
bool cuda_available() { return false; }
int cuda_device_count() { return 0; }
void cuda_synchronize() {}
std::string cuda_unavailable_reason() { return "msq was built without CUDA"; }
#endif

}  // namespace msq
