#include "engine/core/precision.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace msq {

namespace {

std::atomic<bool>& bf16_flag() {
  static std::atomic<bool> flag([] {
    const char* env = std::getenv("MSQ_CUDA_BF16");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }());
  return flag;
}

}  // namespace

void set_cuda_bf16(bool on) { bf16_flag() = on; }
bool cuda_bf16() { return bf16_flag(); }

}  // namespace msq
