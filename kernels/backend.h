// The per-device kernel table. Each device type has one Backend; an op's front-end (in
// engine/ops) checks shapes, allocates outputs and wires autograd, then calls one method
// here. Kernels know nothing about autograd.
//
// Backends are registered by explicit calls (register_cpu_backend, register_cuda_backend)
// made once by backend() itself: no static initialisers, which a static library drops.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/core/allocator.h"
#include "engine/core/device.h"
#include "engine/core/error.h"
#include "kernels/conv_params.h"
#include "kernels/copy_stream.h"
#include "kernels/op_kinds.h"
#include "kernels/optim_operands.h"
#include "kernels/step_graph.h"
#include "kernels/strided_view.h"

namespace msq {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual Allocator& allocator() = 0;
  virtual void synchronize() {}

  // ---- memory --------------------------------------------------------------------------
  // dst and src on this device, same shape, any dtypes and strides (casts as it copies).
  virtual void copy(const StridedView& dst, const StridedView& src) = 0;
  // Contiguous bytes between this device and the host.
  virtual void copy_from_host(void* dst, const void* src_host, size_t bytes) = 0;
  virtual void copy_to_host(void* dst_host, const void* src, size_t bytes) = 0;
  // A few host bytes (up to some KiB) to this device, queued in order with the kernels: the
  // host may reuse src at once and does not wait for earlier work (CUDA: the bytes travel as
  // kernel arguments). For the values a replayed CUDA graph reads (staged optimiser scalars,
  // random bases). The default is copy_from_host.
  virtual void write_from_host(void* dst, const void* src_host, size_t bytes) {
    copy_from_host(dst, src_host, bytes);
  }
  // A stream for host-to-device copies beside the compute (kernels/copy_stream.h). The
  // default copies synchronously through copy_from_host (common/sync_copy_stream.cpp).
  virtual std::unique_ptr<CopyStream> new_copy_stream();
  // A graph to capture and replay a step (kernels/step_graph.h); nullptr (the default) when
  // the backend has none and steps run eagerly.
  virtual std::unique_ptr<StepGraph> new_step_graph() { return nullptr; }
  // True while the calling thread records a step graph: a host read of device memory would end
  // the capture, so front-ends skip their host-side checks of device data then.
  virtual bool capturing() const { return false; }
  virtual void fill(const StridedView& dst, double value) = 0;
  // out[i] = start + i * step, out contiguous.
  virtual void arange(const StridedView& out, double start, double step) = 0;

  // ---- elementwise (all views have the same shape; broadcast dims have stride 0) --------
  // out = op(x); `alpha`, `beta` are the op's scalars (clamp bounds, the pow exponent).
  virtual void unary(UnaryOp op, const StridedView& out, const StridedView& x, double alpha,
                     double beta) = 0;
  // gx = g * d op(x)/dx, with y = op(x) (some ops read y, some x). All float, same dtype.
  virtual void unary_grad(UnaryOp op, const StridedView& gx, const StridedView& g,
                          const StridedView& x, const StridedView& y, double alpha,
                          double beta) = 0;
  // out = a op b; a and b share a dtype; out has that dtype (Bool for comparisons).
  virtual void binary(BinaryOp op, const StridedView& out, const StridedView& a,
                      const StridedView& b) = 0;
  // out = cond ? a : b (cond Bool).
  virtual void where(const StridedView& out, const StridedView& cond, const StridedView& a,
                     const StridedView& b) = 0;

  // ---- reductions over the middle dim of a contiguous [outer, n, inner] ----------------
  // out: [outer, inner]. Sum, Max, Min.
  virtual void reduce(ReduceOp op, const StridedView& out, const StridedView& x, int64_t outer,
                      int64_t n, int64_t inner) = 0;
  // index: int64 [outer, inner], the first position of the maximum.
  virtual void argmax(const StridedView& index, const StridedView& x, int64_t outer, int64_t n,
                      int64_t inner) = 0;

  // ---- linear algebra -------------------------------------------------------------------
  // For each batch b: C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b], where each matrix
  // is described by its view (ndim 3: [batch, rows, cols], any batch stride including 0,
  // one of the two matrix strides equal to 1). C is contiguous per matrix.
  virtual void gemm(const StridedView& c, const StridedView& a, const StridedView& b,
                    double alpha, double beta) = 0;

  // ---- softmax and losses ----------------------------------------------------------------
  // Softmax (or log-softmax) over the middle dim of contiguous [outer, n, inner].
  virtual void softmax(const StridedView& y, const StridedView& x, int64_t outer, int64_t n,
                       int64_t inner, bool log) = 0;
  // gx from upstream g and the forward's output y (softmax or log-softmax).
  virtual void softmax_grad(const StridedView& gx, const StridedView& g, const StridedView& y,
                            int64_t outer, int64_t n, int64_t inner, bool log) = 0;
  // logp: [N, C] contiguous; target: int64 [N]; weight: [C] or data == nullptr.
  // loss[i] = -w[t_i] logp[i, t_i] and wsum[i] = w[t_i] (both 0 where t_i == ignore_index).
  virtual void nll_forward(const StridedView& loss, const StridedView& wsum,
                           const StridedView& logp, const StridedView& target,
                           const StridedView& weight, int64_t ignore_index) = 0;
  // glogp[i, c] = -g[i] * w[t_i] when c == t_i, else 0. glogp is contiguous [N, C].
  virtual void nll_backward(const StridedView& glogp, const StridedView& g,
                            const StridedView& target, const StridedView& weight,
                            int64_t ignore_index) = 0;

  // ---- fused optimiser steps (param, grad and state contiguous, one floating dtype) -------
  // Adam / AdamW (decoupled = true) for step number `step` (1-based), as torch.optim.
  virtual void adam_step(const StridedView& param, const StridedView& grad,
                         const StridedView& exp_avg, const StridedView& exp_avg_sq, double lr,
                         double beta1, double beta2, double eps, double weight_decay,
                         bool decoupled, int64_t step) = 0;
  // SGD with momentum/Nesterov, as torch.optim.SGD; `first` when the buffer is new.
  virtual void sgd_step(const StridedView& param, const StridedView& grad,
                        const StridedView& momentum_buffer, double lr, double momentum,
                        double dampening, double weight_decay, bool nesterov, bool first) = 0;
  // The same steps over many tensors at once (one parameter group's tensors of one dtype),
  // each with its own step number or `first` flag, or in the staged form (optim_operands.h:
  // the per-step scalars read from device memory when the kernel runs, for CUDA graphs). The
  // defaults loop over the single-tensor methods and take the plain form only; the CPU reads
  // staged scalars in place, a GPU backend runs the whole list in a few launches, bit for bit
  // as the loop.
  virtual void adam_step_multi(const std::vector<AdamOperands>& tensors, double lr, double beta1,
                               double beta2, double eps, double weight_decay, bool decoupled) {
    for (const AdamOperands& t : tensors) {
      check(t.staged.data == nullptr, "adam", "staged scalars are not supported on the ", name(),
            " backend");
      adam_step(t.param, t.grad, t.exp_avg, t.exp_avg_sq, lr, beta1, beta2, eps, weight_decay,
                decoupled, t.step);
    }
  }
  virtual void sgd_step_multi(const std::vector<SgdOperands>& tensors, double lr, double momentum,
                              double dampening, double weight_decay, bool nesterov) {
    for (const SgdOperands& t : tensors) {
      check(t.staged_lr.data == nullptr, "sgd", "a staged learning rate is not supported on the ",
            name(), " backend");
      sgd_step(t.param, t.grad, t.momentum_buffer, lr, momentum, dampening, weight_decay,
               nesterov, t.first);
    }
  }
  // fill() over many contiguous views of one floating dtype (zeroing gradients at once).
  virtual void fill_multi(const std::vector<StridedView>& dsts, double value) {
    for (const StridedView& d : dsts) fill(d, value);
  }

  // ---- random numbers (counter-based: the same stream on every backend) ----------------
  // out contiguous float; element i draws from Philox(seed, base + offset + i), where base is
  // base_offset[0] (int64 [1] on this device, read when the kernel runs: a replayed CUDA graph
  // draws from the value written before the replay; engine/core/device_random.h), or 0 when
  // base_offset.data is null.
  virtual void random_uniform(const StridedView& out, uint64_t seed, uint64_t offset,
                              const StridedView& base_offset, double low, double high) = 0;
  virtual void random_normal(const StridedView& out, uint64_t seed, uint64_t offset,
                             const StridedView& base_offset, double mean, double stddev) = 0;

  // ---- convolution, normalisation, pooling (issue 3) -----------------------------------
  // Every view here is contiguous NCHW (weights [Cout, Cin / groups, KH, KW]) and float32 or
  // float64. The defaults fail, so a backend that lacks them still builds.
  // y: [B, Cout, Ho, Wo] from x: [B, Cin, H, W], w, bias: [Cout] (bias.data may be null).
  virtual void conv2d_forward(const StridedView& /*y*/, const StridedView& /*x*/,
                              const StridedView& /*w*/, const StridedView& /*bias*/,
                              const Conv2dParams& /*p*/) {
    fail("conv2d", "not implemented on the ", name(), " backend yet");
  }
  // gx: [B, Cin, H, W] (overwritten) from gy: [B, Cout, Ho, Wo] and w.
  virtual void conv2d_backward_input(const StridedView& /*gx*/, const StridedView& /*gy*/,
                                     const StridedView& /*w*/, const Conv2dParams& /*p*/) {
    fail("conv2d_backward", "not implemented on the ", name(), " backend yet");
  }
  // gw: [Cout, Cin / groups, KH, KW] and gbias: [Cout] (data may be null), both overwritten.
  virtual void conv2d_backward_weight(const StridedView& /*gw*/, const StridedView& /*gbias*/,
                                      const StridedView& /*gy*/, const StridedView& /*x*/,
                                      const Conv2dParams& /*p*/) {
    fail("conv2d_backward", "not implemented on the ", name(), " backend yet");
  }
  // Batch norm over x: [B, C, HW]; weight, bias, running stats and saves: [C].
  // training: normalise by the batch statistics, update the running stats
  // (running = (1 - momentum) * running + momentum * batch, unbiased variance), save the batch
  // mean and 1 / sqrt(var + eps). Evaluation: normalise by the running stats and save those.
  // weight/bias data may be null (affine off); running data may be null (no tracking).
  // act: y = act(normalised x) in the same pass (batch norm + ReLU / SiLU fused).
  virtual void batch_norm_forward(const StridedView& /*y*/, const StridedView& /*save_mean*/,
                                  const StridedView& /*save_invstd*/, const StridedView& /*x*/,
                                  const StridedView& /*weight*/, const StridedView& /*bias*/,
                                  const StridedView& /*running_mean*/,
                                  const StridedView& /*running_var*/, bool /*training*/,
                                  double /*momentum*/, double /*eps*/, FusedAct /*act*/) {
    fail("batch_norm", "not implemented on the ", name(), " backend yet");
  }
  // gx (overwritten; data may be null), gweight, gbias: [C] (overwritten; data may be null).
  // training: the statistics depend on x; evaluation: they are constants. With act, gy is
  // the gradient of act(z) and z = (x - mean) invstd weight + bias is recomputed from x
  // (bias: the forward's, data may be null).
  virtual void batch_norm_backward(const StridedView& /*gx*/, const StridedView& /*gweight*/,
                                   const StridedView& /*gbias*/, const StridedView& /*gy*/,
                                   const StridedView& /*x*/, const StridedView& /*weight*/,
                                   const StridedView& /*bias*/, const StridedView& /*save_mean*/,
                                   const StridedView& /*save_invstd*/, bool /*training*/,
                                   FusedAct /*act*/) {
    fail("batch_norm_backward", "not implemented on the ", name(), " backend yet");
  }
  // y = act(x + bias[c]) over y, x: [B, C, HW] contiguous, bias: [C] (a layer's bias add and
  // activation in one pass).
  virtual void bias_act_forward(const StridedView& /*y*/, const StridedView& /*x*/,
                                const StridedView& /*bias*/, FusedAct /*act*/) {
    fail("bias_act", "not implemented on the ", name(), " backend yet");
  }
  // gx = gy * act'(x + bias[c]) (data may be null), gbias[c] = the sum of that over B and HW
  // (data may be null); x is the forward's input.
  virtual void bias_act_backward(const StridedView& /*gx*/, const StridedView& /*gbias*/,
                                 const StridedView& /*gy*/, const StridedView& /*x*/,
                                 const StridedView& /*bias*/, FusedAct /*act*/) {
    fail("bias_act_backward", "not implemented on the ", name(), " backend yet");
  }
  // y = act(a + b) over three contiguous views of one shape (a residual sum and its
  // activation). This default runs the add, then the activation in place on y; a backend
  // overrides it with one pass.
  virtual void add_act_forward(const StridedView& y, const StridedView& a, const StridedView& b,
                               FusedAct act) {
    binary(BinaryOp::Add, y, a, b);
    if (act != FusedAct::None) unary(unary_op_of(act), y, y, 0, 0);
  }
  // y: [B, C, Ho, Wo], indices: int64 [B, C, Ho, Wo] (flat h * W + w of the maximum in x).
  virtual void max_pool2d_forward(const StridedView& /*y*/, const StridedView& /*indices*/,
                                  const StridedView& /*x*/, const Pool2dParams& /*p*/) {
    fail("max_pool2d", "not implemented on the ", name(), " backend yet");
  }
  // gx: [B, C, H, W] (overwritten) from gy and the forward's indices; p is the forward's
  // window (a GPU gathers from the outputs whose window covers each input).
  virtual void max_pool2d_backward(const StridedView& /*gx*/, const StridedView& /*gy*/,
                                   const StridedView& /*indices*/, const Pool2dParams& /*p*/) {
    fail("max_pool2d_backward", "not implemented on the ", name(), " backend yet");
  }
  virtual void avg_pool2d_forward(const StridedView& /*y*/, const StridedView& /*x*/,
                                  const Pool2dParams& /*p*/) {
    fail("avg_pool2d", "not implemented on the ", name(), " backend yet");
  }
  virtual void avg_pool2d_backward(const StridedView& /*gx*/, const StridedView& /*gy*/,
                                   const Pool2dParams& /*p*/) {
    fail("avg_pool2d_backward", "not implemented on the ", name(), " backend yet");
  }
  // y: [B, C, Ho, Wo]: bin i covers [floor(i H / Ho), ceil((i + 1) H / Ho)), as PyTorch.
  virtual void adaptive_avg_pool2d_forward(const StridedView& /*y*/, const StridedView& /*x*/) {
    fail("adaptive_avg_pool2d", "not implemented on the ", name(), " backend yet");
  }
  virtual void adaptive_avg_pool2d_backward(const StridedView& /*gx*/, const StridedView& /*gy*/) {
    fail("adaptive_avg_pool2d_backward", "not implemented on the ", name(), " backend yet");
  }
};

// The backend of a device; errors clearly when that device is unavailable.
Backend& backend(Device device);

// Explicit registration, called once by backend().
void register_cpu_backend();
void register_cuda_backend();  // a no-op without MSQ_WITH_CUDA
void set_backend(DeviceType type, Backend* backend);

}  // namespace msq
