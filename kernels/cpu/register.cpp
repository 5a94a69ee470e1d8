#include "kernels/cpu/cpu_backend.h"

namespace msq {

void register_cpu_backend() {
  static CpuBackend cpu;
  set_backend(DeviceType::CPU, &cpu);
}

}  // namespace msq
