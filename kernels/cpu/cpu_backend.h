// The CPU backend: BLAS for GEMM, OpenMP threads over large loops, plain loops the
// compiler vectorises. Each group of methods lives in its own file in this folder.
#pragma once
#include "kernels/backend.h"

namespace msq {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  Allocator& allocator() override { return cpu_allocator(); }

  // copy.cpp
  void copy(const StridedView& dst, const StridedView& src) override;
  void copy_from_host(void* dst, const void* src_host, size_t bytes) override;
  void copy_to_host(void* dst_host, const void* src, size_t bytes) override;
  void fill(const StridedView& dst, double value) override;
  void arange(const StridedView& out, double start, double step) override;

  // elementwise.cpp
  void unary(UnaryOp op, const StridedView& out, const StridedView& x, double alpha,
             double beta) override;
  void unary_grad(UnaryOp op, const StridedView& gx, const StridedView& g, const StridedView& x,
                  const StridedView& y, double alpha, double beta) override;
  void binary(BinaryOp op, const StridedView& out, const StridedView& a,
              const StridedView& b) override;
  void where(const StridedView& out, const StridedView& cond, const StridedView& a,
             const StridedView& b) override;

  // reduce.cpp
  void reduce(ReduceOp op, const StridedView& out, const StridedView& x, int64_t outer, int64_t n,
              int64_t inner) override;
  void argmax(const StridedView& index, const StridedView& x, int64_t outer, int64_t n,
              int64_t inner) override;

  // gemm.cpp
  void gemm(const StridedView& c, const StridedView& a, const StridedView& b, double alpha,
            double beta) override;

  // softmax.cpp
  void softmax(const StridedView& y, const StridedView& x, int64_t outer, int64_t n,
               int64_t inner, bool log) override;
  void softmax_grad(const StridedView& gx, const StridedView& g, const StridedView& y,
                    int64_t outer, int64_t n, int64_t inner, bool log) override;
  void nll_forward(const StridedView& loss, const StridedView& wsum, const StridedView& logp,
                   const StridedView& target, const StridedView& weight,
                   int64_t ignore_index) override;
  void nll_backward(const StridedView& glogp, const StridedView& g, const StridedView& target,
                    const StridedView& weight, int64_t ignore_index) override;

  // optim.cpp
  void adam_step(const StridedView& param, const StridedView& grad, const StridedView& exp_avg,
                 const StridedView& exp_avg_sq, double lr, double beta1, double beta2, double eps,
                 double weight_decay, bool decoupled, int64_t step) override;
  void sgd_step(const StridedView& param, const StridedView& grad,
                const StridedView& momentum_buffer, double lr, double momentum, double dampening,
                double weight_decay, bool nesterov, bool first) override;
  void adam_step_multi(const std::vector<AdamOperands>& tensors, double lr, double beta1,
                       double beta2, double eps, double weight_decay, bool decoupled) override;
  void sgd_step_multi(const std::vector<SgdOperands>& tensors, double lr, double momentum,
                      double dampening, double weight_decay, bool nesterov) override;

  // random.cpp
  void random_uniform(const StridedView& out, uint64_t seed, uint64_t offset,
                      const StridedView& base_offset, double low, double high) override;
  void random_normal(const StridedView& out, uint64_t seed, uint64_t offset,
                     const StridedView& base_offset, double mean, double stddev) override;
  // ---- convolution, normalisation, pooling (issue 3) -----------------------------------
  // conv.cpp, conv_depthwise.cpp
  void conv2d_forward(const StridedView& y, const StridedView& x, const StridedView& w,
                      const StridedView& bias, const Conv2dParams& p) override;
  void conv2d_backward_input(const StridedView& gx, const StridedView& gy, const StridedView& w,
                             const Conv2dParams& p) override;
  void conv2d_backward_weight(const StridedView& gw, const StridedView& gbias,
                              const StridedView& gy, const StridedView& x,
                              const Conv2dParams& p) override;
  // batch_norm.cpp
  void batch_norm_forward(const StridedView& y, const StridedView& save_mean,
                          const StridedView& save_invstd, const StridedView& x,
                          const StridedView& weight, const StridedView& bias,
                          const StridedView& running_mean, const StridedView& running_var,
                          bool training, double momentum, double eps, FusedAct act) override;
  void batch_norm_backward(const StridedView& gx, const StridedView& gweight,
                           const StridedView& gbias, const StridedView& gy, const StridedView& x,
                           const StridedView& weight, const StridedView& bias,
                           const StridedView& save_mean, const StridedView& save_invstd,
                           bool training, FusedAct act) override;
  // bias_act.cpp
  void bias_act_forward(const StridedView& y, const StridedView& x, const StridedView& bias,
                        FusedAct act) override;
  void bias_act_backward(const StridedView& gx, const StridedView& gbias, const StridedView& gy,
                         const StridedView& x, const StridedView& bias, FusedAct act) override;
  // add_act.cpp
  void add_act_forward(const StridedView& y, const StridedView& a, const StridedView& b,
                       FusedAct act) override;
  // pooling.cpp
  void max_pool2d_forward(const StridedView& y, const StridedView& indices, const StridedView& x,
                          const Pool2dParams& p) override;
  void max_pool2d_backward(const StridedView& gx, const StridedView& gy,
                           const StridedView& indices, const Pool2dParams& p) override;
  void avg_pool2d_forward(const StridedView& y, const StridedView& x,
                          const Pool2dParams& p) override;
  void avg_pool2d_backward(const StridedView& gx, const StridedView& gy,
                           const Pool2dParams& p) override;
  void adaptive_avg_pool2d_forward(const StridedView& y, const StridedView& x) override;
  void adaptive_avg_pool2d_backward(const StridedView& gx, const StridedView& gy) override;
};

}  // namespace msq
