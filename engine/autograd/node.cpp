// The backward engine: a topological walk (Kahn's algorithm on dependency counts) from the
// roots, summing the gradients that reach each node before running it.
#include "engine/autograd/node.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/autograd/grad_mode.h"
#include "engine/ops/elementwise.h"
#include "kernels/backend.h"

namespace msq {

std::vector<Tensor> AccumulateGrad::apply(const std::vector<Tensor>& grad_outputs) {
  const Tensor& g = grad_outputs[0];
  check(g.shape() == leaf_->shape, "backward", "gradient of shape ", shape_str(g.shape()),
        " reached a leaf of shape ", shape_str(leaf_->shape));
  if (!leaf_->grad) {
    // Keep g itself when nothing else can see it; otherwise own a copy, because the
    // accumulated gradient is added to in place later.
    bool unique = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 &&
                  g.is_contiguous();
    Tensor owned = unique ? g.detach() : g.detach().clone();
    leaf_->grad = owned.impl_ptr();
  } else {
    Tensor acc(leaf_->grad);
    backend(acc.device()).binary(BinaryOp::Add, acc.view_for_kernel(), acc.view_for_kernel(),
                                 g.to(acc.dtype()).view_for_kernel());
  }
  return {};
}

std::vector<Tensor> LambdaNode::apply(const std::vector<Tensor>& grad_outputs) {
  check(static_cast<bool>(fn_), "backward", "trying to backward through the graph a second time (node ",
        name_, "): its saved tensors were freed; call backward(..., retain_graph=true) the first time");
  return fn_(grad_outputs);
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_nr};
  if (impl->requires_grad) return {std::make_shared<AccumulateGrad>(t.impl_ptr()), 0};
  return {};
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

void record_backward(const char* name, const std::vector<Tensor>& inputs,
                     const std::vector<Tensor>& outputs, BackwardFn fn) {
  if (!any_requires_grad(inputs)) return;
  auto node = std::make_shared<LambdaNode>(name, std::move(fn));
  node->next_edges.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
  for (size_t i = 0; i < outputs.size(); ++i) {
    TensorImpl* impl = outputs[i].impl();
    node->outputs.push_back({impl->shape, impl->dtype, outputs[i].device()});
    impl->grad_fn = node;
    impl->output_nr = static_cast<int>(i);
    impl->requires_grad = true;
  }
}

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph) {
  NoGradGuard no_grad;  // backward formulas do not record (no double backward)

  // Seed the roots: a root that is a leaf accumulates directly.
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::vector<std::shared_ptr<Node>> starts;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = gradient_edge(roots[i]);
    if (!e.node) continue;
    auto& buf = buffers[e.node.get()];
    buf.resize(std::max<size_t>(e.node->outputs.size(), 1));
    buf[e.input_nr] = buf[e.input_nr].defined() ? add(buf[e.input_nr], grads[i]) : grads[i];
    starts.push_back(e.node);
  }

  // Count, for every reachable node, how many edges point at it.
  std::unordered_map<Node*, int> dependencies;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (auto& s : starts) {
    if (seen.insert(s.get()).second) stack.push_back(s.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.node) continue;
      dependencies[e.node.get()] += 1;
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }

  std::vector<std::shared_ptr<Node>> ready;
  std::unordered_set<Node*> queued;
  for (auto& s : starts) {
    if (dependencies[s.get()] == 0 && queued.insert(s.get()).second) ready.push_back(s);
  }
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.back();
    ready.pop_back();
    std::vector<Tensor> in = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    in.resize(std::max<size_t>(node->outputs.size(), in.size()));
    for (size_t i = 0; i < node->outputs.size(); ++i) {
      if (!in[i].defined()) {
        const OutputInfo& o = node->outputs[i];
        in[i] = zeros(o.shape, TensorOptions(o.dtype).with_device(o.device));
      }
    }
    std::vector<Tensor> out = node->apply(in);
    in.clear();
    if (!retain_graph) node->release();
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.node) continue;
      if (i < out.size() && out[i].defined()) {
        auto& buf = buffers[e.node.get()];
        buf.resize(std::max<size_t>(e.node->outputs.size(), 1));
        Tensor& slot = buf[e.input_nr];
        slot = slot.defined() ? add(slot, out[i]) : out[i];
      }
      if (--dependencies[e.node.get()] == 0) ready.push_back(e.node);
    }
  }
}

}  // namespace msq
