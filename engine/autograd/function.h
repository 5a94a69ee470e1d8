// Custom autograd functions: subclass Function, write forward and backward with tensors,
// keep what backward needs with ctx.save_for_backward(...), and call apply_function().
// The quantum layer is one of these.
//
//   struct Square : Function {
//     std::vector<Tensor> forward(FunctionCtx& ctx, const std::vector<Tensor>& in) override {
//       ctx.save_for_backward({in[0]});
//       return {mul(in[0], in[0])};
//     }
//     std::vector<Tensor> backward(FunctionCtx& ctx, const std::vector<Tensor>& g) override {
//       return {mul(g[0], mul_scalar(ctx.saved()[0], 2.0))};
//     }
//   };
//   Tensor y = apply_function(std::make_shared<Square>(), {x})[0];
#pragma once
#include <memory>
#include <vector>

#include "engine/core/tensor.h"

namespace msq {

class FunctionCtx {
 public:
  // Keeps tensors for backward (stored detached, so saving an output makes no cycle).
  void save_for_backward(const std::vector<Tensor>& tensors);
  // The saved tensors; an error once the graph has been freed by a backward.
  const std::vector<Tensor>& saved() const;
  // needs_input_grad[i]: whether backward must return a gradient for input i.
  const std::vector<bool>& needs_input_grad() const { return needs_input_grad_; }

 private:
  friend class FunctionNode;
  friend std::vector<Tensor> apply_function(const std::shared_ptr<class Function>& fn,
                                            const std::vector<Tensor>& inputs);
  std::vector<Tensor> saved_;
  std::vector<bool> needs_input_grad_;
  bool released_ = false;
};

class Function {
 public:
  virtual ~Function() = default;
  virtual const char* name() const { return "Function"; }
  // Runs with gradient recording off; returns the outputs.
  virtual std::vector<Tensor> forward(FunctionCtx& ctx, const std::vector<Tensor>& inputs) = 0;
  // One gradient per output in; one per input out (undefined where not needed).
  virtual std::vector<Tensor> backward(FunctionCtx& ctx,
                                       const std::vector<Tensor>& grad_outputs) = 0;
};

std::vector<Tensor> apply_function(const std::shared_ptr<Function>& fn,
                                   const std::vector<Tensor>& inputs);

}  // namespace msq
