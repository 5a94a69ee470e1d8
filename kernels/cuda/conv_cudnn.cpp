// Convolution through cuDNN's convolution API (cudnnConvolutionForward / BackwardData /
// BackwardFilter), as PyTorch's eager cuDNN path:
// - one ConvPlan per shape (sizes, strides, padding, dilation, groups, dtype, and the TF32 and
//   deterministic settings): its tensor, filter and convolution descriptors are made once;
// - per pass, the algorithm is chosen once by measurement (cudnnFind*AlgorithmEx runs every
//   candidate on the call's own buffers and sorts them by time) and cached in the plan;
//   in deterministic mode only algorithms cuDNN marks CUDNN_DETERMINISTIC qualify;
// - workspaces come from msq's caching allocator (freed at once after the call: all work is
//   on one stream, so the next user of the block runs after this call);
// - float32 math: CUDNN_DEFAULT_MATH (TF32 tensor cores allowed on Ampere and later) when
//   cuda_conv_tf32(), CUDNN_FMA_MATH (plain fp32) otherwise; never ALLOW_CONVERSION (fp16).
// Plans live until the process ends (one per distinct shape: a few hundred at most).
// Without cuDNN's headers at build time this file only says so.
#include "kernels/cuda/conv_paths.h"

#ifdef MSQ_WITH_CUDNN

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/core/device.h"
#include "engine/core/error.h"
#include "kernels/backend.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cudnn_loader.h"
#include "kernels/cuda/device_buffer.h"

namespace msq::cuda {

namespace {

// The largest workspace offered to cudnnFind*: algorithms that want more are not measured.
constexpr size_t kMaxWorkspace = size_t(1) << 30;

int as_int(int64_t v, const char* what) {
  check(v >= 0 && v <= INT_MAX, "conv2d", what, " = ", v, " exceeds cuDNN's 32-bit range");
  return static_cast<int>(v);
}

cudnnDataType_t data_type(DType t) {
  check(t == DType::Float32 || t == DType::Float64, "conv2d", "cuDNN path expects float32 or float64, got ",
        dtype_name(t));
  return t == DType::Float32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

// What identifies a plan: x [B, Cin, H, W], w [Cout, Cin_g, KH, KW], y [B, Cout, Ho, Wo], the
// parameters, the dtype and the two settings.
using PlanKey = std::array<int64_t, 22>;

PlanKey plan_key(const StridedView& x, const StridedView& w, const StridedView& y,
                 const Conv2dParams& p, bool tf32, bool deterministic) {
  return {x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0], w.shape[1],
          w.shape[2], w.shape[3], y.shape[2], y.shape[3], p.stride_h, p.stride_w,
          p.pad_h,    p.pad_w,    p.dilation_h, p.dilation_w, p.groups, int64_t(x.dtype),
          tf32,       deterministic, y.shape[1], y.shape[0]};
}

// The algorithm of one pass, once measured.
struct AlgoChoice {
  bool measured = false;
  bool supported = false;  // false: cuDNN offered nothing usable (the caller falls back)
  int algo = 0;            // cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t
  size_t workspace = 0;
};

// The descriptors of one shape, made once, destroyed never (see the file comment).
struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  bool deterministic = false;
  AlgoChoice forward, backward_data, backward_filter;
};

std::unique_ptr<ConvPlan> make_plan(const Cudnn& api, const StridedView& x, const StridedView& w,
                                    const StridedView& y, const Conv2dParams& p, bool tf32,
                                    bool deterministic) {
  auto plan = std::make_unique<ConvPlan>();
  plan->deterministic = deterministic;
  const cudnnDataType_t dt = data_type(x.dtype);
  MSQ_CUDA_CHECK(api.cudnnCreateTensorDescriptor(&plan->x));
  MSQ_CUDA_CHECK(api.cudnnCreateTensorDescriptor(&plan->y));
  MSQ_CUDA_CHECK(api.cudnnCreateFilterDescriptor(&plan->w));
  MSQ_CUDA_CHECK(api.cudnnCreateConvolutionDescriptor(&plan->conv));
  MSQ_CUDA_CHECK(api.cudnnSetTensor4dDescriptor(plan->x, CUDNN_TENSOR_NCHW, dt, as_int(x.shape[0], "B"),
                                                as_int(x.shape[1], "Cin"), as_int(x.shape[2], "H"),
                                                as_int(x.shape[3], "W")));
  MSQ_CUDA_CHECK(api.cudnnSetTensor4dDescriptor(plan->y, CUDNN_TENSOR_NCHW, dt, as_int(y.shape[0], "B"),
                                                as_int(y.shape[1], "Cout"), as_int(y.shape[2], "Ho"),
                                                as_int(y.shape[3], "Wo")));
  MSQ_CUDA_CHECK(api.cudnnSetFilter4dDescriptor(plan->w, dt, CUDNN_TENSOR_NCHW, as_int(w.shape[0], "Cout"),
                                                as_int(w.shape[1], "Cin / groups"),
                                                as_int(w.shape[2], "KH"), as_int(w.shape[3], "KW")));
  // Cross-correlation, as every deep-learning "convolution"; accumulate in the data type.
  MSQ_CUDA_CHECK(api.cudnnSetConvolution2dDescriptor(
      plan->conv, as_int(p.pad_h, "pad"), as_int(p.pad_w, "pad"), as_int(p.stride_h, "stride"),
      as_int(p.stride_w, "stride"), as_int(p.dilation_h, "dilation"),
      as_int(p.dilation_w, "dilation"), CUDNN_CROSS_CORRELATION, dt));
  MSQ_CUDA_CHECK(api.cudnnSetConvolutionGroupCount(plan->conv, as_int(p.groups, "groups")));
  const cudnnMathType_t math =
      x.dtype == DType::Float32 && !tf32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
  MSQ_CUDA_CHECK(api.cudnnSetConvolutionMathType(plan->conv, math));
  return plan;
}

// The workspace to measure with: the largest any heuristic candidate asks for, at most
// kMaxWorkspace; smaller when the device cannot spare it.
template <class Perf>
std::unique_ptr<DeviceBuffer> measuring_workspace(const Perf* heuristics, int count) {
  size_t want = 0;
  for (int i = 0; i < count; ++i) {
    if (heuristics[i].status == CUDNN_STATUS_SUCCESS && heuristics[i].memory <= kMaxWorkspace)
      want = std::max(want, heuristics[i].memory);
  }
  while (true) {
    try {
      return std::make_unique<DeviceBuffer>(want);
    } catch (const Error&) {
      if (want == 0) throw;
      want /= 4;  // the out-of-memory error from the allocator: try with less
    }
  }
}

// The fastest measured result that succeeded, fits the workspace, keeps float32 in float32
// (no ALLOW_CONVERSION) and, in deterministic mode, is deterministic. Results come sorted.
template <class Perf>
AlgoChoice pick(const Perf* results, int count, size_t workspace, bool deterministic) {
  AlgoChoice choice;
  choice.measured = true;
  for (int i = 0; i < count; ++i) {
    const Perf& r = results[i];
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > workspace) continue;
    if (r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
    if (deterministic && r.determinism != CUDNN_DETERMINISTIC) continue;
    choice.supported = true;
    choice.algo = static_cast<int>(r.algo);
    choice.workspace = r.memory;
    return choice;
  }
  return choice;
}

// A failed algorithm query is not fatal: the case goes to the im2col path, with one warning
// per process so a slow fallback does not go unnoticed.
bool ok(cudnnStatus_t status, const char* pass) {
  if (status == CUDNN_STATUS_SUCCESS) return true;
  static std::once_flag warned;
  std::call_once(warned, [&] {
    const Cudnn* api = cudnn();
    std::fprintf(stderr, "[conv2d] cuDNN could not choose a %s algorithm (%s); using im2col + GEMM for such cases\n",
                 pass, api ? api->cudnnGetErrorString(status) : "?");
  });
  return false;
}

AlgoChoice unsupported() {
  AlgoChoice c;
  c.measured = true;
  return c;
}

// How many algorithms a Find/Get may return (cuDNN 9 has 8 forward, 6 data, 7 filter).
constexpr int kMaxAlgos = 16;

AlgoChoice find_forward(const Cudnn& api, const ConvPlan& plan, const StridedView& y,
                        const StridedView& x, const StridedView& w) {
  cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
  int count = 0;
  if (!ok(api.cudnnGetConvolutionForwardAlgorithm_v7(api.handle, plan.x, plan.w, plan.conv, plan.y,
                                                     kMaxAlgos, &count, perf),
          "forward"))
    return unsupported();
  std::unique_ptr<DeviceBuffer> ws = measuring_workspace(perf, count);
  if (!ok(api.cudnnFindConvolutionForwardAlgorithmEx(api.handle, plan.x, x.data, plan.w, w.data,
                                                     plan.conv, plan.y, y.data, kMaxAlgos, &count,
                                                     perf, ws->data(), ws->bytes()),
          "forward"))
    return unsupported();
  return pick(perf, count, ws->bytes(), plan.deterministic);
}

AlgoChoice find_backward_data(const Cudnn& api, const ConvPlan& plan, const StridedView& gx,
                              const StridedView& gy, const StridedView& w) {
  cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
  int count = 0;
  if (!ok(api.cudnnGetConvolutionBackwardDataAlgorithm_v7(api.handle, plan.w, plan.y, plan.conv,
                                                          plan.x, kMaxAlgos, &count, perf),
          "backward data"))
    return unsupported();
  std::unique_ptr<DeviceBuffer> ws = measuring_workspace(perf, count);
  if (!ok(api.cudnnFindConvolutionBackwardDataAlgorithmEx(
              api.handle, plan.w, w.data, plan.y, gy.data, plan.conv, plan.x, gx.data, kMaxAlgos,
              &count, perf, ws->data(), ws->bytes()),
          "backward data"))
    return unsupported();
  return pick(perf, count, ws->bytes(), plan.deterministic);
}

AlgoChoice find_backward_filter(const Cudnn& api, const ConvPlan& plan, const StridedView& gw,
                                const StridedView& gy, const StridedView& x) {
  cudnnConvolutionBwdFilterAlgoPerf_t perf[kMaxAlgos];
  int count = 0;
  if (!ok(api.cudnnGetConvolutionBackwardFilterAlgorithm_v7(api.handle, plan.x, plan.y, plan.conv,
                                                            plan.w, kMaxAlgos, &count, perf),
          "backward filter"))
    return unsupported();
  std::unique_ptr<DeviceBuffer> ws = measuring_workspace(perf, count);
  if (!ok(api.cudnnFindConvolutionBackwardFilterAlgorithmEx(
              api.handle, plan.x, x.data, plan.y, gy.data, plan.conv, plan.w, gw.data, kMaxAlgos,
              &count, perf, ws->data(), ws->bytes()),
          "backward filter"))
    return unsupported();
  return pick(perf, count, ws->bytes(), plan.deterministic);
}

// The plan cache; also serialises the calls (one cuDNN handle).
std::mutex& plan_mutex() {
  static std::mutex m;
  return m;
}

ConvPlan& plan_for(const Cudnn& api, const StridedView& x, const StridedView& w,
                   const StridedView& y, const Conv2dParams& p) {
  static std::map<PlanKey, std::unique_ptr<ConvPlan>> plans;
  const bool tf32 = cuda_conv_tf32(), deterministic = cuda_deterministic();
  PlanKey key = plan_key(x, w, y, p, tf32, deterministic);
  auto it = plans.find(key);
  if (it == plans.end()) it = plans.emplace(key, make_plan(api, x, w, y, p, tf32, deterministic)).first;
  return *it->second;
}

// alpha = 1, beta = 0 in the data type's scaling type (float for float, double for double).
struct Scale {
  float f1 = 1.f, f0 = 0.f;
  double d1 = 1.0, d0 = 0.0;
  const void* one(DType t) const { return t == DType::Float64 ? static_cast<const void*>(&d1) : &f1; }
  const void* zero(DType t) const { return t == DType::Float64 ? static_cast<const void*>(&d0) : &f0; }
};

}  // namespace

bool cudnn_conv_available() { return cudnn() != nullptr; }

std::string conv_path_description() {
  const Cudnn* api = cudnn();
  if (!api) return "im2col + GEMM (cuDNN not used: " + cudnn_missing_reason() + ")";
  return "cuDNN " + std::to_string(api->version) + " (" + api->library + ")";
}

bool cudnn_conv_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                        const Conv2dParams& p) {
  const Cudnn* api = cudnn();
  if (!api) return false;
  std::lock_guard<std::mutex> lock(plan_mutex());
  ConvPlan& plan = plan_for(*api, x, w, y, p);
  if (!plan.forward.measured) plan.forward = find_forward(*api, plan, y, x, w);
  if (!plan.forward.supported) return false;
  DeviceBuffer ws(plan.forward.workspace);
  Scale s;
  MSQ_CUDA_CHECK(api->cudnnConvolutionForward(
      api->handle, s.one(x.dtype), plan.x, x.data, plan.w, w.data, plan.conv,
      static_cast<cudnnConvolutionFwdAlgo_t>(plan.forward.algo), ws.data(), ws.bytes(),
      s.zero(x.dtype), plan.y, y.data));
  return true;
}

bool cudnn_conv_backward_input(const StridedView& gx, const StridedView& gy, const StridedView& w,
                               const Conv2dParams& p) {
  const Cudnn* api = cudnn();
  if (!api) return false;
  std::lock_guard<std::mutex> lock(plan_mutex());
  ConvPlan& plan = plan_for(*api, gx, w, gy, p);
  if (!plan.backward_data.measured) plan.backward_data = find_backward_data(*api, plan, gx, gy, w);
  if (!plan.backward_data.supported) return false;
  DeviceBuffer ws(plan.backward_data.workspace);
  Scale s;
  MSQ_CUDA_CHECK(api->cudnnConvolutionBackwardData(
      api->handle, s.one(gx.dtype), plan.w, w.data, plan.y, gy.data, plan.conv,
      static_cast<cudnnConvolutionBwdDataAlgo_t>(plan.backward_data.algo), ws.data(), ws.bytes(),
      s.zero(gx.dtype), plan.x, gx.data));
  return true;
}

bool cudnn_conv_backward_weight(const StridedView& gw, const StridedView& gy, const StridedView& x,
                                const Conv2dParams& p) {
  const Cudnn* api = cudnn();
  if (!api) return false;
  std::lock_guard<std::mutex> lock(plan_mutex());
  ConvPlan& plan = plan_for(*api, x, gw, gy, p);
  if (!plan.backward_filter.measured)
    plan.backward_filter = find_backward_filter(*api, plan, gw, gy, x);
  if (!plan.backward_filter.supported) return false;
  DeviceBuffer ws(plan.backward_filter.workspace);
  Scale s;
  MSQ_CUDA_CHECK(api->cudnnConvolutionBackwardFilter(
      api->handle, s.one(x.dtype), plan.x, x.data, plan.y, gy.data, plan.conv,
      static_cast<cudnnConvolutionBwdFilterAlgo_t>(plan.backward_filter.algo), ws.data(),
      ws.bytes(), s.zero(x.dtype), plan.w, gw.data));
  return true;
}

}  // namespace msq::cuda

#else  // built without cuDNN's headers: convolution always takes the im2col path

namespace msq::cuda {

bool cudnn_conv_available() { return false; }
std::string conv_path_description() { return "im2col + GEMM (msq built without cuDNN)"; }
bool cudnn_conv_forward(const StridedView&, const StridedView&, const StridedView&,
                        const Conv2dParams&) {
  return false;
}
bool cudnn_conv_backward_input(const StridedView&, const StridedView&, const StridedView&,
                               const Conv2dParams&) {
  return false;
}
bool cudnn_conv_backward_weight(const StridedView&, const StridedView&, const StridedView&,
                                const Conv2dParams&) {
  return false;
}

}  // namespace msq::cuda

#endif
