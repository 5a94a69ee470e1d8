#include "kernels/cuda/cublas_loader.h"

#include <mutex>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/runtime_library.h"

namespace msq::cuda {

namespace {

struct Loaded {
  Cublas api;
  bool ok = false;
  std::string reason;
};

Loaded load() {
  Loaded l;
  // MSQ_DISABLE_CUBLAS=1 forces the fallback GEMM kernel (to test it where cuBLAS exists).
  if (disabled_by_env("MSQ_DISABLE_CUBLAS")) {
    l.reason = "disabled by MSQ_DISABLE_CUBLAS";
    return l;
  }
  void* lib = open_first_library({"libcublas.so.13", "libcublas.so.12", "libcublas.so"}, l.api.library);
  if (!lib) {
    l.reason = "libcublas.so.13 / .so.12 not found on the library path";
    return l;
  }
  // Never dlclose'd: the handle lives until the process ends.
  decltype(&cublasCreate_v2) create = nullptr;
  if (!find_symbol(lib, "cublasCreate_v2", create, l.reason) ||
      !find_symbol(lib, "cublasSgemmStridedBatched", l.api.sgemm_strided_batched, l.reason) ||
      !find_symbol(lib, "cublasDgemmStridedBatched", l.api.dgemm_strided_batched, l.reason) ||
      !find_symbol(lib, "cublasGetStatusString", l.api.status_string, l.reason) ||
      !find_symbol(lib, "cublasSetStream_v2", l.api.set_stream, l.reason)) {
    return l;
  }
  std::string optional_reason;  // a missing optional symbol is not an error
  find_symbol(lib, "cublasGemmStridedBatchedEx", l.api.gemm_strided_batched_ex, optional_reason);
  cublasStatus_t status = create(&l.api.handle);
  if (status != CUBLAS_STATUS_SUCCESS) {
    l.reason = std::string("cublasCreate failed: ") + l.api.status_string(status);
    return l;
  }
  l.ok = true;
  return l;
}

const Loaded& loaded() {
  static Loaded l;
  static std::once_flag once;
  std::call_once(once, [] { l = load(); });
  return l;
}

}  // namespace

const Cublas* cublas() { return loaded().ok ? &loaded().api : nullptr; }
std::string cublas_missing_reason() { return loaded().ok ? "" : loaded().reason; }

void check_cuda(cublasStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  const Cublas* api = cublas();
  const char* text = api ? api->status_string(status) : "unknown";
  fail("cublas", expr, " failed: ", text, " (status ", static_cast<int>(status), ", ", file, ":",
       line, ")");
}

}  // namespace msq::cuda
