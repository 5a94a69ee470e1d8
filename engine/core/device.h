// Where a tensor lives. A CUDA build is optional at compile time (MSQ_WITH_CUDA) and at run
// time: cuda_available() is false without a device, never a crash.
#pragma once
#include <cstdint>
#include <string>

namespace msq {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::CUDA, index}; }
  // "cpu", "cuda", "cuda:1"
  static Device parse(const std::string& text);

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

// True when msq was built with CUDA and at least one device answers.
bool cuda_available();
int cuda_device_count();
// Why cuda_available() is false ("built without CUDA", "no CUDA device found", ...).
std::string cuda_unavailable_reason();
// Waits for all queued work on the current CUDA device (no-op on CPU-only builds).
void cuda_synchronize();

// How CUDA convolutions may compute (no effect on the CPU or without CUDA).
// TF32 tensor-core math for float32 convolutions: allowed by default, as PyTorch's
// torch.backends.cudnn.allow_tf32; the environment variable MSQ_CUDA_TF32=0 turns it off.
// TF32 rounds the operands to 10 mantissa bits (about 1e-3 relative error per product).
void set_cuda_conv_tf32(bool allow);
bool cuda_conv_tf32();
// Deterministic algorithms only (convolution gradients repeat bit for bit run to run); off
// by default, MSQ_CUDA_DETERMINISTIC=1 or msq-train --deterministic turns it on.
void set_cuda_deterministic(bool on);
bool cuda_deterministic();

}  // namespace msq
