// Device-side random counter bases (device_random.h).
#include "engine/core/device_random.h"

#include "engine/core/rng.h"
#include "kernels/backend.h"

namespace msq {

namespace {
thread_local const DeviceRandomScope* active_scope = nullptr;
}  // namespace

DeviceRandomBase::DeviceRandomBase(Device device)
    : base_(zeros({1}, TensorOptions(DType::Int64).with_device(device))) {}

void DeviceRandomBase::write(uint64_t value) {
  const int64_t v = static_cast<int64_t>(value);
  backend(base_.device()).write_from_host(base_.raw_data(), &v, sizeof v);
}

DeviceRandomScope::DeviceRandomScope(const DeviceRandomBase& base)
    : base_(base), origin_(default_generator().offset()), outer_(active_scope) {
  active_scope = this;
}

DeviceRandomScope::~DeviceRandomScope() { active_scope = outer_; }

const DeviceRandomScope* active_device_random() { return active_scope; }

}  // namespace msq
