#include "engine/autograd/function.h"

#include "engine/autograd/grad_mode.h"
#include "engine/autograd/node.h"

namespace msq {

void FunctionCtx::save_for_backward(const std::vector<Tensor>& tensors) {
  saved_.clear();
  for (const Tensor& t : tensors) saved_.push_back(t.defined() ? t.detach() : Tensor());
}

const std::vector<Tensor>& FunctionCtx::saved() const {
  check(!released_, "backward",
        "saved tensors were freed by an earlier backward; pass retain_graph=true the first time");
  return saved_;
}

class FunctionNode final : public Node {
 public:
  FunctionNode(std::shared_ptr<Function> fn, std::shared_ptr<FunctionCtx> ctx)
      : fn_(std::move(fn)), ctx_(std::move(ctx)) {}
  const char* name() const override { return fn_->name(); }
  std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) override {
    check(!ctx_->released_, "backward", "trying to backward through ", fn_->name(),
          " a second time: its saved tensors were freed; pass retain_graph=true the first time");
    std::vector<Tensor> grads = fn_->backward(*ctx_, grad_outputs);
    check(grads.size() == next_edges.size(), fn_->name(), "backward returned ", grads.size(),
          " gradients for ", next_edges.size(), " inputs");
    return grads;
  }
  void release() override {
    ctx_->saved_.clear();
    ctx_->released_ = true;
  }

 private:
  std::shared_ptr<Function> fn_;
  std::shared_ptr<FunctionCtx> ctx_;
};

std::vector<Tensor> apply_function(const std::shared_ptr<Function>& fn,
                                   const std::vector<Tensor>& inputs) {
  auto ctx = std::make_shared<FunctionCtx>();
  for (const Tensor& t : inputs) {
    ctx->needs_input_grad_.push_back(grad_enabled() && t.defined() && t.requires_grad());
  }
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;
    outputs = fn->forward(*ctx, inputs);
  }
  if (!any_requires_grad(inputs)) return outputs;
  auto node = std::make_shared<FunctionNode>(fn, ctx);
  for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
  for (size_t i = 0; i < outputs.size(); ++i) {
    // An output that is an input (or a view of one) gets its own impl, so that the input's
    // own history is not overwritten.
    outputs[i] = outputs[i].detach();
    TensorImpl* impl = outputs[i].impl();
    node->outputs.push_back({impl->shape, impl->dtype, outputs[i].device()});
    impl->grad_fn = node;
    impl->output_nr = static_cast<int>(i);
    impl->requires_grad = true;
  }
  return outputs;
}

}  // namespace msq
