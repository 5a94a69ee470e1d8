#include "engine/core/device.h"

#include <atomic>
#include <cstdlib>

#include "engine/core/error.h"

namespace msq {

Device Device::parse(const std::string& text) {
  if (text == "cpu") return cpu();
  if (text == "cuda") return cuda(0);
  if (text.rfind("cuda:", 0) == 0) {
    try {
      size_t used = 0;
      int index = std::stoi(text.substr(5), &used);
      if (used == text.size() - 5 && index >= 0) return cuda(index);
    } catch (const std::exception&) {
    }
  }
  fail("device", "unknown device '", text, "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const {
  if (is_cpu()) return "cpu";
  return index == 0 ? "cuda" : "cuda:" + std::to_string(index);
}

namespace {

// A flag whose first value comes from an environment variable ("0" off, anything else on).
bool env_flag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::string(v) != "0";
}

std::atomic<bool>& conv_tf32_flag() {
  static std::atomic<bool> flag{env_flag("MSQ_CUDA_TF32", true)};
  return flag;
}

std::atomic<bool>& deterministic_flag() {
  static std::atomic<bool> flag{env_flag("MSQ_CUDA_DETERMINISTIC", false)};
  return flag;
}

}  // namespace

void set_cuda_conv_tf32(bool allow) { conv_tf32_flag() = allow; }
bool cuda_conv_tf32() { return conv_tf32_flag(); }
void set_cuda_deterministic(bool on) { deterministic_flag() = on; }
bool cuda_deterministic() { return deterministic_flag(); }

}  // namespace msq
