// Convolution, batch norm and pooling on CUDA against the CPU kernels, through one table:
// each row is an op (a function of random inputs), its input shapes and its tolerances.
// For every row, in float32 and float64: the output and the gradients of sum(y * r) (r a
// fixed random tensor) for every input are compared as the largest error relative to the
// largest CPU value (a per-tensor scale, so sums of many terms in another order pass).
// Float32 convolutions run twice: with TF32 off (plain fp32 tolerance) and on (TF32's).
// Which convolution path ran (cuDNN or im2col + GEMM) is printed; gpu-check.sh runs this
// test again with MSQ_DISABLE_CUDNN=1 for the other path. Every case skips without a GPU.
#include <functional>
#include <string>
#include <vector>

#include "engine/core/precision.h"
#include "kernels/common/bf16.h"
#include "test_support.h"

#ifdef MSQ_WITH_CUDA
#include "kernels/cuda/conv_paths.h"
#endif

using namespace msq;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct OpRow {
  std::string name;
  std::vector<Shape> inputs;  // random normal inputs, all differentiable
  Fn fn;
  double fp32_tol = 1e-5;  // max |gpu - cpu| / max |cpu|, per output and gradient
  double tf32_tol = 0;     // > 0: the row uses TF32 when allowed (convolutions)
};

constexpr double kFp64Tol = 1e-10;
// bf16 mode (engine/core/precision.h): operands rounded to 8-bit mantissas (2^-9 relative
// each), fp32 accumulation, convolution outputs through bf16 once more.
constexpr double kBf16Tol = 2e-2;

// Restores the global TF32 setting when a test case ends, whatever happens.
class Tf32Scope {
 public:
  explicit Tf32Scope(bool allow) : previous_(cuda_conv_tf32()) { set_cuda_conv_tf32(allow); }
  ~Tf32Scope() { set_cuda_conv_tf32(previous_); }
  Tf32Scope(const Tf32Scope&) = delete;
  Tf32Scope& operator=(const Tf32Scope&) = delete;

 private:
  bool previous_;
};

// Turns bf16 mode on or off for one test case, restoring it whatever happens.
class Bf16Scope {
 public:
  explicit Bf16Scope(bool on) : previous_(cuda_bf16()) { set_cuda_bf16(on); }
  ~Bf16Scope() { set_cuda_bf16(previous_); }
  Bf16Scope(const Bf16Scope&) = delete;
  Bf16Scope& operator=(const Bf16Scope&) = delete;

 private:
  bool previous_;
};

// A float32 CPU tensor with every value rounded to bf16 (kernels/common/bf16.h), as float64.
Tensor rounded_to_bf16(const Tensor& t) {
  Tensor r = t.detach().cpu().to(DType::Float32).contiguous().clone();
  float* p = r.data<float>();
  for (int64_t i = 0; i < r.numel(); ++i) p[i] = math::round_to_bf16(p[i]);
  return r.to(DType::Float64);
}

Tensor conv(const std::vector<Tensor>& in, Size2 stride, Size2 pad, Size2 dil, int64_t groups) {
  return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), stride, pad, dil, groups);
}

// Running statistics that are not inputs (so not differentiated): fixed values on x's device.
Tensor running(const Tensor& x, double value) {
  return full({x.size(1)}, value, TensorOptions(x.dtype()).with_device(x.device()));
}

std::vector<OpRow> op_table() {
  auto c = [](Size2 s, Size2 p, Size2 d, int64_t g) {
    return [=](const std::vector<Tensor>& in) { return conv(in, s, p, d, g); };
  };
  return {
      // ---- convolution (TF32 tolerance: 10-bit mantissas, sums of up to ~600 products) ----
      {"conv 3x3 s1 p1 + bias", {{2, 5, 9, 8}, {7, 5, 3, 3}, {7}}, c(1, 1, 1, 1), 1e-4, 5e-3},
      {"conv 3x3 s1 p1, no bias", {{3, 4, 8, 8}, {6, 4, 3, 3}}, c(1, 1, 1, 1), 1e-4, 5e-3},
      {"conv 7x7 s2 p3 (stem)", {{2, 3, 23, 21}, {8, 3, 7, 7}}, c(2, 3, 1, 1), 1e-4, 5e-3},
      {"conv 1x1 (pointwise)", {{2, 16, 7, 7}, {12, 16, 1, 1}}, c(1, 0, 1, 1), 1e-4, 5e-3},
      {"conv 1x1 s2 (downsample)", {{2, 8, 9, 9}, {16, 8, 1, 1}}, c(2, 0, 1, 1), 1e-4, 5e-3},
      {"conv 3x3 s2 p1", {{2, 6, 11, 10}, {10, 6, 3, 3}, {10}}, c(2, 1, 1, 1), 1e-4, 5e-3},
      {"conv 3x3 dilation 2", {{1, 4, 12, 12}, {5, 4, 3, 3}}, c(1, 2, 2, 1), 1e-4, 5e-3},
      {"conv 3x5 rectangular, (2,1) stride", {{2, 3, 10, 9}, {4, 3, 3, 5}}, c({2, 1}, {1, 2}, 1, 1), 1e-4, 5e-3},
      {"conv grouped (4 groups)", {{2, 8, 9, 9}, {12, 2, 3, 3}, {12}}, c(1, 1, 1, 4), 1e-4, 5e-3},
      {"conv depthwise 3x3", {{2, 12, 10, 10}, {12, 1, 3, 3}}, c(1, 1, 1, 12), 1e-4, 5e-3},
      {"conv depthwise 5x5 s2", {{2, 10, 13, 13}, {10, 1, 5, 5}, {10}}, c(2, 2, 1, 10), 1e-4, 5e-3},
      {"conv depthwise multiplier 2", {{1, 4, 8, 8}, {8, 1, 3, 3}}, c(1, 1, 1, 4), 1e-4, 5e-3},
      // ---- batch norm ----------------------------------------------------------------------
      {"batch_norm train 4-d", {{4, 6, 5, 5}, {6}, {6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true);
       }},
      {"batch_norm train 2-d [B, C]", {{8, 5}, {5}, {5}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true);
       }},
      {"batch_norm train, no affine", {{3, 4, 6, 6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
       }},
      {"batch_norm eval (running stats)", {{4, 6, 5, 5}, {6}, {6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], in[1], in[2], running(in[0], 0.2), running(in[0], 1.5), false);
       }},
      // ---- fused batch norm + activation, bias + activation (engine/nn/fusion.h) ------------
      {"batch_norm + ReLU fused, train", {{4, 6, 5, 5}, {6}, {6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5, FusedAct::Relu);
       }},
      {"batch_norm + SiLU fused, train", {{3, 5, 6, 4}, {5}, {5}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5, FusedAct::Silu);
       }},
      {"batch_norm + ReLU fused, eval (running stats)", {{4, 6, 5, 5}, {6}, {6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], in[1], in[2], running(in[0], 0.2), running(in[0], 1.5), false, 0.1,
                           1e-5, FusedAct::Relu);
       }},
      {"batch_norm + SiLU fused, no affine", {{3, 4, 6, 6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5, FusedAct::Silu);
       }},
      {"bias + ReLU fused [B, C, H, W]", {{3, 7, 5, 6}, {7}},
       [](const std::vector<Tensor>& in) { return bias_act(in[0], in[1], FusedAct::Relu); }},
      {"bias + SiLU fused [B, C]", {{9, 13}, {13}},
       [](const std::vector<Tensor>& in) { return bias_act(in[0], in[1], FusedAct::Silu); }},
      {"bias + identity [B, C, H, W], many values per channel", {{4, 3, 33, 35}, {3}},
       [](const std::vector<Tensor>& in) { return bias_act(in[0], in[1], FusedAct::None); }},
      // ---- pooling -----------------------------------------------------------------------
      {"max_pool 3x3 s2 p1 (ResNet stem)", {{2, 3, 12, 11}},
       [](const std::vector<Tensor>& in) { return max_pool2d(in[0], 3, 2, 1); }},
      {"max_pool 2x2", {{2, 3, 8, 8}}, [](const std::vector<Tensor>& in) { return max_pool2d(in[0], 2); }},
      {"max_pool 3x3 s2 ceil_mode", {{1, 2, 10, 10}},
       [](const std::vector<Tensor>& in) { return max_pool2d(in[0], 3, 2, 0, true); }},
      {"avg_pool 2x2 s2 (DenseNet transition)", {{2, 4, 8, 8}},
       [](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 2, 2); }},
      {"avg_pool 3x3 s2 p1 count_include_pad", {{2, 3, 9, 9}},
       [](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 3, 2, 1); }},
      {"avg_pool 3x3 s2 p1 exclude pad, ceil", {{2, 3, 10, 9}},
       [](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 3, 2, 1, true, false); }},
      {"avg_pool divisor_override", {{1, 2, 6, 6}},
       [](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 3, 1, 1, false, true, 4); }},
      {"adaptive_avg_pool 7 -> 3", {{2, 3, 7, 7}},
       [](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], 3); }},
      {"adaptive_avg_pool 10x9 -> (4, 5)", {{2, 2, 10, 9}},
       [](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], {4, 5}); }},
      {"global_avg_pool", {{3, 5, 7, 6}},
       [](const std::vector<Tensor>& in) { return global_avg_pool2d(in[0]); }},
      // ---- the backbones' composite blocks -----------------------------------------------
      {"conv + BN + ReLU", {{2, 4, 8, 8}, {6, 4, 3, 3}, {6}, {6}},
       [](const std::vector<Tensor>& in) {
         return relu(batch_norm(conv2d(in[0], in[1], Tensor(), 1, 1), in[2], in[3], Tensor(), Tensor(), true));
       },
       1e-4, 5e-3},
      {"conv + BN + ReLU fused", {{2, 4, 8, 8}, {6, 4, 3, 3}, {6}, {6}},
       [](const std::vector<Tensor>& in) {
         return batch_norm(conv2d(in[0], in[1], Tensor(), 1, 1), in[2], in[3], Tensor(), Tensor(), true,
                           0.1, 1e-5, FusedAct::Relu);
       },
       1e-4, 5e-3},
      {"squeeze-excitation (pool, 1x1 convs, SiLU, sigmoid, mul)",
       {{2, 8, 6, 6}, {2, 8, 1, 1}, {2}, {8, 2, 1, 1}, {8}},
       [](const std::vector<Tensor>& in) {
         Tensor s = global_avg_pool2d(in[0]);
         s = silu(conv2d(s, in[1], in[2]));
         s = sigmoid(conv2d(s, in[3], in[4]));
         return mul(in[0], s);
       },
       1e-4, 5e-3},
      {"dense concat (DenseNet)", {{2, 3, 5, 5}, {2, 4, 5, 5}, {5, 7, 3, 3}},
       [](const std::vector<Tensor>& in) { return conv2d(cat({in[0], in[1]}, 1), in[2], Tensor(), 1, 1); },
       1e-4, 5e-3},
  };
}

// Random inputs (fixed seeds), on the CPU.
std::vector<Tensor> random_inputs(const OpRow& row, DType dtype) {
  std::vector<Tensor> inputs;
  uint64_t seed = 100;
  for (const Shape& s : row.inputs) {
    manual_seed(seed++);
    inputs.push_back(randn(s, dtype));
  }
  return inputs;
}

double worst_error(const Tensor& gpu, const Tensor& cpu) {
  return test::max_relative_error(gpu.cpu().to(DType::Float64), cpu.to(DType::Float64), 1e-30);
}

// Runs one row on both devices and checks the output and every input's gradient.
void compare_row(const OpRow& row, DType dtype, double tol, const std::string& label) {
  std::vector<Tensor> cpu_in = random_inputs(row, dtype), gpu_in;
  for (Tensor& t : cpu_in) {
    gpu_in.push_back(t.to(Device::cuda()).requires_grad_(true));
    t.requires_grad_(true);
  }
  Tensor yc = row.fn(cpu_in), yg = row.fn(gpu_in);
  REQUIRE_MESSAGE(yg.device().is_cuda(), label << ": output not on the GPU");
  REQUIRE_MESSAGE(yg.shape() == yc.shape(), label << ": shape " << shape_str(yg.shape()) << " vs "
                                                  << shape_str(yc.shape()));
  double err = worst_error(yg, yc);
  CHECK_MESSAGE(err <= tol, label << " forward: error " << err << " > " << tol);
  manual_seed(999);
  Tensor r = randn(yc.shape(), dtype);
  sum(mul(yc, r)).backward();
  sum(mul(yg, r.to(Device::cuda()))).backward();
  for (size_t i = 0; i < cpu_in.size(); ++i) {
    Tensor gc = cpu_in[i].grad(), gg = gpu_in[i].grad();
    REQUIRE_MESSAGE(gc.defined() == gg.defined(), label << ": gradient " << i << " on one side only");
    if (!gc.defined()) continue;
    double gerr = worst_error(gg, gc);
    CHECK_MESSAGE(gerr <= tol, label << " grad of input " << i << ": error " << gerr << " > " << tol);
  }
}

}  // namespace

TEST_CASE("cuda ops: which convolution path runs") {
  if (!test::require_cuda()) return;
#ifdef MSQ_WITH_CUDA
  MESSAGE("CUDA convolution through " << cuda::conv_path_description());
#endif
}

TEST_CASE("cuda ops: conv, batch norm, pooling match the CPU (float64, float32 without TF32)") {
  if (!test::require_cuda()) return;
  Tf32Scope tf32(false);
  for (const OpRow& row : op_table()) {
    compare_row(row, DType::Float64, kFp64Tol, row.name + " [float64]");
    compare_row(row, DType::Float32, row.fp32_tol, row.name + " [float32]");
  }
}

TEST_CASE("cuda ops: convolutions with TF32 stay within TF32's tolerance") {
  if (!test::require_cuda()) return;
  Tf32Scope tf32(true);
  for (const OpRow& row : op_table()) {
    if (row.tf32_tol > 0) compare_row(row, DType::Float32, row.tf32_tol, row.name + " [tf32]");
  }
}

TEST_CASE("cuda ops: deterministic mode repeats convolution gradients bit for bit") {
  if (!test::require_cuda()) return;
  const bool previous = cuda_deterministic();
  set_cuda_deterministic(true);
  auto grads = [] {
    manual_seed(5);
    Tensor x = randn({4, 16, 14, 14}).to(Device::cuda()).requires_grad_(true);
    Tensor w = randn({32, 16, 3, 3}).to(Device::cuda()).requires_grad_(true);
    sum(mul(conv2d(x, w, Tensor(), 1, 1), conv2d(x, w, Tensor(), 1, 1))).backward();
    return std::make_pair(x.grad().cpu(), w.grad().cpu());
  };
  auto a = grads(), b = grads();
  set_cuda_deterministic(previous);
  test::check_close(a.first, b.first, 0, 0, "input gradient, two runs");
  test::check_close(a.second, b.second, 0, 0, "weight gradient, two runs");
}

TEST_CASE("cuda ops: batch norm updates the running statistics as the CPU") {
  if (!test::require_cuda()) return;
  for (DType dtype : {DType::Float32, DType::Float64}) {
    manual_seed(3);
    Tensor x = randn({5, 4, 3, 3}, dtype);
    Tensor rm = full({4}, 0.3, dtype), rv = full({4}, 2.0, dtype);
    Tensor rm_g = rm.to(Device::cuda()), rv_g = rv.to(Device::cuda());
    batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.1);
    batch_norm(x.to(Device::cuda()), Tensor(), Tensor(), rm_g, rv_g, true, 0.1);
    test::check_close(rm_g, rm, 1e-6, 1e-7, "running_mean");
    test::check_close(rv_g, rv, 1e-6, 1e-7, "running_var");
  }
}

TEST_CASE("cuda ops: max_pool gradient goes to the first maximum of tied windows") {
  if (!test::require_cuda()) return;
  // Constant input: every window's maximum is its first element, as on the CPU.
  Tensor x = ones({1, 1, 6, 6}).requires_grad_(true);
  Tensor xg = ones({1, 1, 6, 6}).to(Device::cuda()).requires_grad_(true);
  sum(max_pool2d(x, 3, 2, 1)).backward();
  sum(max_pool2d(xg, 3, 2, 1)).backward();
  test::check_close(xg.grad(), x.grad(), 0, 0, "max_pool2d gradient with ties");
}

TEST_CASE("cuda ops: bf16 mode keeps convolutions within bf16's tolerance") {
  if (!test::require_cuda()) return;
  Bf16Scope bf16(true);
  for (const OpRow& row : op_table()) {
    if (row.tf32_tol > 0) compare_row(row, DType::Float32, kBf16Tol, row.name + " [bf16]");
  }
}

TEST_CASE("cuda ops: bf16 mode computes from bf16-rounded operands with fp32 accumulation") {
  if (!test::require_cuda()) return;
  Bf16Scope bf16(true);
  manual_seed(21);
  Tensor x = randn({6, 300}), w = randn({9, 300});
  // Linear (cuBLAS GemmEx): fp32 output, so only the operands' rounding differs.
  Tensor yg = linear(x.to(Device::cuda()), w.to(Device::cuda()), Tensor());
  Tensor exact = linear(rounded_to_bf16(x), rounded_to_bf16(w), Tensor());
  Tensor unrounded = linear(x.to(DType::Float64), w.to(DType::Float64), Tensor());
  double err = test::max_relative_error(yg.cpu().to(DType::Float64), exact, 1e-30);
  CHECK_MESSAGE(err <= 1e-5, "linear vs bf16-rounded operands: " << err);
  double err_fp32 = test::max_relative_error(yg.cpu().to(DType::Float64), unrounded, 1e-30);
  CHECK_MESSAGE(err_fp32 > 1e-4, "linear differs from the unrounded product by only " << err_fp32
                                  << ": bf16 not used (cuBLAS without GemmEx?)");
  // Convolution: cuDNN's bf16 output is rounded once more (2^-9 of each value).
  Tensor cx = randn({2, 16, 9, 9}), cw = randn({8, 16, 3, 3});
  Tensor cg = conv2d(cx.to(Device::cuda()), cw.to(Device::cuda()), Tensor(), 1, 1);
  Tensor cref = conv2d(rounded_to_bf16(cx), rounded_to_bf16(cw), Tensor(), 1, 1);
  double cerr = test::max_relative_error(cg.cpu().to(DType::Float64), cref, 1e-30);
  CHECK_MESSAGE(cerr <= 4e-3, "conv vs bf16-rounded operands: " << cerr);
}
