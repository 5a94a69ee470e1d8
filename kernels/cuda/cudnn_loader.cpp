#include "kernels/cuda/cudnn_loader.h"

#include <mutex>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/runtime_library.h"

namespace msq::cuda {

namespace {

struct Loaded {
  Cudnn api;
  bool ok = false;
  std::string reason;
};

Loaded load() {
  Loaded l;
  // MSQ_DISABLE_CUDNN=1 forces the im2col + GEMM convolution (to test it where cuDNN exists).
  if (disabled_by_env("MSQ_DISABLE_CUDNN")) {
    l.reason = "disabled by MSQ_DISABLE_CUDNN";
    return l;
  }
  void* lib = open_first_library({"libcudnn.so.9", "libcudnn.so"}, l.api.library);
  if (!lib) {
    l.reason = "libcudnn.so.9 not found on the library path";
    return l;
  }
  // Never dlclose'd: the handle lives until the process ends.
  Cudnn& a = l.api;
  decltype(&cudnnCreate) create = nullptr;
  decltype(&cudnnGetVersion) get_version = nullptr;
  if (!find_symbol(lib, "cudnnCreate", create, l.reason) ||
      !find_symbol(lib, "cudnnGetVersion", get_version, l.reason) ||
      !find_symbol(lib, "cudnnGetErrorString", a.cudnnGetErrorString, l.reason) ||
      !find_symbol(lib, "cudnnSetStream", a.cudnnSetStream, l.reason) ||
      !find_symbol(lib, "cudnnCreateTensorDescriptor", a.cudnnCreateTensorDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnSetTensor4dDescriptor", a.cudnnSetTensor4dDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnDestroyTensorDescriptor", a.cudnnDestroyTensorDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnCreateFilterDescriptor", a.cudnnCreateFilterDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnSetFilter4dDescriptor", a.cudnnSetFilter4dDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnDestroyFilterDescriptor", a.cudnnDestroyFilterDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnCreateConvolutionDescriptor", a.cudnnCreateConvolutionDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnSetConvolution2dDescriptor", a.cudnnSetConvolution2dDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnSetConvolutionGroupCount", a.cudnnSetConvolutionGroupCount, l.reason) ||
      !find_symbol(lib, "cudnnSetConvolutionMathType", a.cudnnSetConvolutionMathType, l.reason) ||
      !find_symbol(lib, "cudnnDestroyConvolutionDescriptor", a.cudnnDestroyConvolutionDescriptor, l.reason) ||
      !find_symbol(lib, "cudnnGetConvolutionForwardAlgorithm_v7", a.cudnnGetConvolutionForwardAlgorithm_v7, l.reason) ||
      !find_symbol(lib, "cudnnGetConvolutionBackwardDataAlgorithm_v7", a.cudnnGetConvolutionBackwardDataAlgorithm_v7, l.reason) ||
      !find_symbol(lib, "cudnnGetConvolutionBackwardFilterAlgorithm_v7", a.cudnnGetConvolutionBackwardFilterAlgorithm_v7, l.reason) ||
      !find_symbol(lib, "cudnnFindConvolutionForwardAlgorithmEx", a.cudnnFindConvolutionForwardAlgorithmEx, l.reason) ||
      !find_symbol(lib, "cudnnFindConvolutionBackwardDataAlgorithmEx", a.cudnnFindConvolutionBackwardDataAlgorithmEx, l.reason) ||
      !find_symbol(lib, "cudnnFindConvolutionBackwardFilterAlgorithmEx", a.cudnnFindConvolutionBackwardFilterAlgorithmEx, l.reason) ||
      !find_symbol(lib, "cudnnConvolutionForward", a.cudnnConvolutionForward, l.reason) ||
      !find_symbol(lib, "cudnnConvolutionBackwardData", a.cudnnConvolutionBackwardData, l.reason) ||
      !find_symbol(lib, "cudnnConvolutionBackwardFilter", a.cudnnConvolutionBackwardFilter, l.reason)) {
    return l;
  }
  a.version = get_version();
  if (a.version / 10000 != CUDNN_MAJOR) {
    l.reason = "cuDNN " + std::to_string(a.version) + " opened, but msq was built against major version " +
               std::to_string(CUDNN_MAJOR);
    return l;
  }
  cudnnStatus_t status = create(&a.handle);  // its stream is the default (legacy) stream
  if (status != CUDNN_STATUS_SUCCESS) {
    l.reason = std::string("cudnnCreate failed: ") + a.cudnnGetErrorString(status);
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

const Cudnn* cudnn() { return loaded().ok ? &loaded().api : nullptr; }
std::string cudnn_missing_reason() { return loaded().ok ? "" : loaded().reason; }

void check_cuda(cudnnStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  const Cudnn* api = cudnn();
  const char* text = api ? api->cudnnGetErrorString(status) : "unknown";
  fail("cudnn", expr, " failed: ", text, " (status ", static_cast<int>(status), ", ", file, ":",
       line, ")");
}

}  // namespace msq::cuda
