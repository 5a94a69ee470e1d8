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
//   cuda_conv_tf32(), CUDNN_FMA_MATH (plain fp32) otherwise; never ALLOW_CONVERSION (fp16);
// - bf16 mode (engine/core/precision.h): a float32 convolution's operands are rounded into
//   bf16 scratch buffers (bf16_cast.h) and a plan with CUDNN_DATA_BFLOAT16 tensors and a
//   CUDNN_DATA_FLOAT convolution (fp32 accumulation) computes into a bf16 buffer that is
//   then widened into the output; when cuDNN has no bf16 algorithm for a pass, that pass
//   runs in float32 as without the mode.
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
#include "engine/core/precision.h"
#include "kernels/backend.h"
#include "kernels/cuda/bf16_cast.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cudnn_loader.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/stream.h"

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
// parameters, the dtype, the two settings and whether the plan computes in bf16.
using PlanKey = std::array<int64_t, 23>;

PlanKey plan_key(const StridedView& x, const StridedView& w, const StridedView& y,
                 const Conv2dParams& p, bool tf32, bool deterministic, bool bf16) {
  return {x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0], w.shape[1],
          w.shape[2], w.shape[3], y.shape[2], y.shape[3], p.stride_h, p.stride_w,
          p.pad_h,    p.pad_w,    p.dilation_h, p.dilation_w, p.groups, int64_t(x.dtype),
          tf32,       deterministic, y.shape[1], y.shape[0], bf16};
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

// bf16: bf16 tensors and filter, fp32 accumulation (cuDNN's PSEUDO_BFLOAT16 configuration).
std::unique_ptr<ConvPlan> make_plan(const Cudnn& api, const StridedView& x, const StridedView& w,
                                    const StridedView& y, const Conv2dParams& p, bool tf32,
                                    bool deterministic, bool bf16) {
  auto plan = std::make_unique<ConvPlan>();
  plan->deterministic = deterministic;
  const cudnnDataType_t dt = bf16 ? CUDNN_DATA_BFLOAT16 : data_type(x.dtype);
  const cudnnDataType_t compute = bf16 ? CUDNN_DATA_FLOAT : dt;
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
  // Cross-correlation, as every deep-learning "convolution"; accumulate in the data type
  // (float for bf16 data).
  MSQ_CUDA_CHECK(api.cudnnSetConvolution2dDescriptor(
      plan->conv, as_int(p.pad_h, "pad"), as_int(p.pad_w, "pad"), as_int(p.stride_h, "stride"),
      as_int(p.stride_w, "stride"), as_int(p.dilation_h, "dilation"),
      as_int(p.dilation_w, "dilation"), CUDNN_CROSS_CORRELATION, compute));
  MSQ_CUDA_CHECK(api.cudnnSetConvolutionGroupCount(plan->conv, as_int(p.groups, "groups")));
  const cudnnMathType_t math =
      x.dtype == DType::Float32 && !tf32 && !bf16 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
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

// The find_* measure on the call's own buffers (bf16 copies in bf16 mode).
AlgoChoice find_forward(const Cudnn& api, const ConvPlan& plan, void* y, const void* x,
                        const void* w) {
  cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
  int count = 0;
  if (!ok(api.cudnnGetConvolutionForwardAlgorithm_v7(api.handle, plan.x, plan.w, plan.conv, plan.y,
                                                     kMaxAlgos, &count, perf),
          "forward"))
    return unsupported();
  std::unique_ptr<DeviceBuffer> ws = measuring_workspace(perf, count);
  if (!ok(api.cudnnFindConvolutionForwardAlgorithmEx(api.handle, plan.x, x, plan.w, w,
                                                     plan.conv, plan.y, y, kMaxAlgos, &count,
                                                     perf, ws->data(), ws->bytes()),
          "forward"))
    return unsupported();
  return pick(perf, count, ws->bytes(), plan.deterministic);
}

AlgoChoice find_backward_data(const Cudnn& api, const ConvPlan& plan, void* gx, const void* gy,
                              const void* w) {
  cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
  int count = 0;
  if (!ok(api.cudnnGetConvolutionBackwardDataAlgorithm_v7(api.handle, plan.w, plan.y, plan.conv,
                                                          plan.x, kMaxAlgos, &count, perf),
          "backward data"))
    return unsupported();
  std::unique_ptr<DeviceBuffer> ws = measuring_workspace(perf, count);
  if (!ok(api.cudnnFindConvolutionBackwardDataAlgorithmEx(
              api.handle, plan.w, w, plan.y, gy, plan.conv, plan.x, gx, kMaxAlgos,
              &count, perf, ws->data(), ws->bytes()),
          "backward data"))
    return unsupported();
  return pick(perf, count, ws->bytes(), plan.deterministic);
}

AlgoChoice find_backward_filter(const Cudnn& api, const ConvPlan& plan, void* gw, const void* gy,
                                const void* x) {
  cudnnConvolutionBwdFilterAlgoPerf_t perf[kMaxAlgos];
  int count = 0;
  if (!ok(api.cudnnGetConvolutionBackwardFilterAlgorithm_v7(api.handle, plan.x, plan.y, plan.conv,
                                                            plan.w, kMaxAlgos, &count, perf),
          "backward filter"))
    return unsupported();
  std::unique_ptr<DeviceBuffer> ws = measuring_workspace(perf, count);
  if (!ok(api.cudnnFindConvolutionBackwardFilterAlgorithmEx(
              api.handle, plan.x, x, plan.y, gy, plan.conv, plan.w, gw, kMaxAlgos,
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
                   const StridedView& y, const Conv2dParams& p, bool bf16) {
  static std::map<PlanKey, std::unique_ptr<ConvPlan>> plans;
  const bool tf32 = cuda_conv_tf32(), deterministic = cuda_deterministic();
  PlanKey key = plan_key(x, w, y, p, tf32, deterministic, bf16);
  auto it = plans.find(key);
  if (it == plans.end()) {
    it = plans.emplace(key, make_plan(api, x, w, y, p, tf32, deterministic, bf16)).first;
  }
  return *it->second;
}

// The handle's stream is the calling thread's compute stream (stream.h): a graph capture's
// stream or the legacy default one. Under plan_mutex.
void follow_compute_stream(const Cudnn& api) {
  MSQ_CUDA_CHECK(api.cudnnSetStream(api.handle, compute_stream()));
}

int64_t numel4(const StridedView& v) { return v.shape[0] * v.shape[1] * v.shape[2] * v.shape[3]; }

// True when a float32 convolution should try bf16 (engine/core/precision.h).
bool want_bf16(const StridedView& x) { return x.dtype == DType::Float32 && cuda_bf16(); }

// The device memory one pass reads and writes: the views' own, or bf16 copies of the inputs
// and a bf16 buffer for the output (widened into the output by finish()).
class PassOperands {
 public:
  PassOperands(bool bf16, const StridedView& out, const StridedView& in1, const StridedView& in2) {
    if (!bf16) {
      out_ = out.data;
      in1_ = in1.data;
      in2_ = in2.data;
      return;
    }
    in1_copy_ = std::make_unique<Bf16Buffer>(in1.ptr<float>(), numel4(in1));
    in2_copy_ = std::make_unique<Bf16Buffer>(in2.ptr<float>(), numel4(in2));
    out_copy_ = std::make_unique<Bf16Buffer>(nullptr, numel4(out));
    out_ = out_copy_->data();
    in1_ = in1_copy_->data();
    in2_ = in2_copy_->data();
    widen_to_ = out.ptr<float>();
  }
  void* out() const { return out_; }
  const void* in1() const { return in1_; }
  const void* in2() const { return in2_; }
  // After the cuDNN call: the bf16 result into the float32 output.
  void finish() const {
    if (out_copy_) out_copy_->widen_into(widen_to_);
  }

 private:
  std::unique_ptr<Bf16Buffer> in1_copy_, in2_copy_, out_copy_;
  void* out_ = nullptr;
  const void* in1_ = nullptr;
  const void* in2_ = nullptr;
  float* widen_to_ = nullptr;
};

// alpha = 1, beta = 0 in the data type's scaling type (float for float, double for double).
struct Scale {
  float f1 = 1.f, f0 = 0.f;
  double d1 = 1.0, d0 = 0.0;
  const void* one(DType t) const { return t == DType::Float64 ? static_cast<const void*>(&d1) : &f1; }
  const void* zero(DType t) const { return t == DType::Float64 ? static_cast<const void*>(&d0) : &f0; }
};

// One pass in float32 or bf16; false when cuDNN has no algorithm for it.
bool forward_pass(const Cudnn& api, const StridedView& y, const StridedView& x, const StridedView& w,
                  const Conv2dParams& p, bool bf16) {
  ConvPlan& plan = plan_for(api, x, w, y, p, bf16);
  if (plan.forward.measured && !plan.forward.supported) return false;  // before any cast
  PassOperands io(bf16, y, x, w);
  if (!plan.forward.measured) plan.forward = find_forward(api, plan, io.out(), io.in1(), io.in2());
  if (!plan.forward.supported) return false;
  DeviceBuffer ws(plan.forward.workspace);
  Scale s;
  MSQ_CUDA_CHECK(api.cudnnConvolutionForward(
      api.handle, s.one(x.dtype), plan.x, io.in1(), plan.w, io.in2(), plan.conv,
      static_cast<cudnnConvolutionFwdAlgo_t>(plan.forward.algo), ws.data(), ws.bytes(),
      s.zero(x.dtype), plan.y, io.out()));
  io.finish();
  return true;
}

bool backward_input_pass(const Cudnn& api, const StridedView& gx, const StridedView& gy,
                         const StridedView& w, const Conv2dParams& p, bool bf16) {
  ConvPlan& plan = plan_for(api, gx, w, gy, p, bf16);
  if (plan.backward_data.measured && !plan.backward_data.supported) return false;  // before any cast
  PassOperands io(bf16, gx, gy, w);
  if (!plan.backward_data.measured) {
    plan.backward_data = find_backward_data(api, plan, io.out(), io.in1(), io.in2());
  }
  if (!plan.backward_data.supported) return false;
  DeviceBuffer ws(plan.backward_data.workspace);
  Scale s;
  MSQ_CUDA_CHECK(api.cudnnConvolutionBackwardData(
      api.handle, s.one(gx.dtype), plan.w, io.in2(), plan.y, io.in1(), plan.conv,
      static_cast<cudnnConvolutionBwdDataAlgo_t>(plan.backward_data.algo), ws.data(), ws.bytes(),
      s.zero(gx.dtype), plan.x, io.out()));
  io.finish();
  return true;
}

bool backward_weight_pass(const Cudnn& api, const StridedView& gw, const StridedView& gy,
                          const StridedView& x, const Conv2dParams& p, bool bf16) {
  ConvPlan& plan = plan_for(api, x, gw, gy, p, bf16);
  if (plan.backward_filter.measured && !plan.backward_filter.supported) return false;  // before any cast
  PassOperands io(bf16, gw, gy, x);
  if (!plan.backward_filter.measured) {
    plan.backward_filter = find_backward_filter(api, plan, io.out(), io.in1(), io.in2());
  }
  if (!plan.backward_filter.supported) return false;
  DeviceBuffer ws(plan.backward_filter.workspace);
  Scale s;
  MSQ_CUDA_CHECK(api.cudnnConvolutionBackwardFilter(
      api.handle, s.one(x.dtype), plan.x, io.in2(), plan.y, io.in1(), plan.conv,
      static_cast<cudnnConvolutionBwdFilterAlgo_t>(plan.backward_filter.algo), ws.data(),
      ws.bytes(), s.zero(x.dtype), plan.w, io.out()));
  io.finish();
  return true;
}

}  // namespace

bool cudnn_conv_available() { return cudnn() != nullptr; }

std::string conv_path_description() {
  const Cudnn* api = cudnn();
  if (!api) return "im2col + GEMM (cuDNN not used: " + cudnn_missing_reason() + ")";
  return "cuDNN " + std::to_string(api->version) + " (" + api->library + ")";
}

// Each: bf16 first when the mode is on, float32 when that has no algorithm.
bool cudnn_conv_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                        const Conv2dParams& p) {
  const Cudnn* api = cudnn();
  if (!api) return false;
  std::lock_guard<std::mutex> lock(plan_mutex());
  follow_compute_stream(*api);
  return (want_bf16(x) && forward_pass(*api, y, x, w, p, true)) || forward_pass(*api, y, x, w, p, false);
}

bool cudnn_conv_backward_input(const StridedView& gx, const StridedView& gy, const StridedView& w,
                               const Conv2dParams& p) {
  const Cudnn* api = cudnn();
  if (!api) return false;
  std::lock_guard<std::mutex> lock(plan_mutex());
  follow_compute_stream(*api);
  return (want_bf16(gx) && backward_input_pass(*api, gx, gy, w, p, true)) ||
         backward_input_pass(*api, gx, gy, w, p, false);
}

bool cudnn_conv_backward_weight(const StridedView& gw, const StridedView& gy, const StridedView& x,
                                const Conv2dParams& p) {
  const Cudnn* api = cudnn();
  if (!api) return false;
  std::lock_guard<std::mutex> lock(plan_mutex());
  follow_compute_stream(*api);
  return (want_bf16(x) && backward_weight_pass(*api, gw, gy, x, p, true)) ||
         backward_weight_pass(*api, gw, gy, x, p, false);
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
