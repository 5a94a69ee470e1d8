// The autograd graph. Each op that records a backward makes one Node; the node's edges point
// at the nodes that produced its inputs (or at AccumulateGrad for a leaf).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace msq {

class Node;

struct Edge {
  std::shared_ptr<Node> node;  // null when that input needs no gradient
  int input_nr = 0;            // which of node's outputs (= its gradient slot) this feeds
};

// Shape, dtype and device of a node output, to make a zero gradient for an unused output.
struct OutputInfo {
  Shape shape;
  DType dtype = DType::Float32;
  Device device;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual const char* name() const = 0;
  // Gradients of the outputs in (undefined entries already replaced by zeros); gradients of
  // the inputs out, one per next edge (undefined where that input needs none).
  virtual std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) = 0;
  // Frees what the backward saved; a later apply() must then fail clearly.
  virtual void release() {}

  std::vector<Edge> next_edges;
  std::vector<OutputInfo> outputs;
};

// The gradient sink of a leaf tensor.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  const char* name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) override;

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// A node whose backward is a closure. Built-in ops use it through record_backward().
using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;

class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  const char* name() const override { return name_; }
  std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) override;
  void release() override { fn_ = nullptr; }

 private:
  const char* name_;
  BackwardFn fn_;
};

// The edge through which a gradient reaches `t` (null node when t needs no gradient).
Edge gradient_edge(const Tensor& t);

// True when grad mode is on and any input requires a gradient.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Makes `outputs` the results of a node `name` over `inputs` whose backward is `fn`:
// fn gets one gradient per output and returns one per input (undefined where not needed).
// Does nothing (and drops fn) when no input requires a gradient or grad mode is off.
// fn must capture saved outputs detached (t.detach()), or the graph would own itself.
void record_backward(const char* name, const std::vector<Tensor>& inputs,
                     const std::vector<Tensor>& outputs, BackwardFn fn);

// Runs the backward pass from `roots` seeded with `grads` (same length).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph);

}  // namespace msq
