// One training step of the Trainer, run eagerly or through a CUDA graph (kernels/step_graph.h)
// as a GraphPlan decides (graph_plan.h): per static batch shape, warm-up steps, one capture,
// then replays; a batch of another shape (the partial last batch) eagerly; a failed capture
// turns graphs off for the run, with its reason logged.
//
// What a replay needs, and where it comes from:
// - the batch: copied into fixed device buffers (inputs(), labels()) before each graph step;
//   the warm-up and the capture run on those buffers too, so the capture finds the memory
//   the warm-up left in the allocator's cache;
// - the optimiser's learning rates and Adam's bias corrections: the optimiser runs in its
//   staged form (engine/optim/optimizer.h) and stage() writes them to the device before
//   every step, eager or replayed;
// - dropout / drop-path masks: the graph steps run in a DeviceRandomScope (engine/core/
//   device_random.h); before each replay the generator's offset goes to the device, after it
//   the generator advances by the step's draws (counted in the warm-up: a step of one shape
//   reserves the same counters every time; the capture's reservation, which drew nothing, is
//   given back), so every step draws what an eager step would, bit for bit;
// - the outputs (loss, correct predictions): the tensors the captured step returned, which
//   each replay overwrites; read them after run() returns.
// So a graph step computes what the eager step computes, up to the kernels' own reductions.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "engine/core/device_random.h"
#include "engine/core/tensor.h"
#include "engine/optim/optimizer.h"
#include "engine/train/graph_plan.h"
#include "kernels/step_graph.h"

namespace msq::train {

// A step's device outputs: loss (scalar, the batch mean) and correct (scalar, the number of
// right predictions).
struct StepOutputs {
  Tensor loss, correct;
};

class GraphStep {
 public:
  // step(x, y): zero_grad, forward, loss, backward, optimizer.step(); on the batch it is
  // given. graph: the device's graph (Backend::new_step_graph()), null for eager steps only.
  // With a graph the optimiser is switched to its staged form.
  using StepFn = std::function<StepOutputs(const Tensor& x, const Tensor& y)>;
  GraphStep(StepFn step, Optimizer& optimizer, std::unique_ptr<StepGraph> graph, int warmup = 1);

  // Runs one step on the batch x: [N, ...], y: [N] (both on the graph's device).
  StepOutputs run(const Tensor& x, const Tensor& y);

  bool graphs_on() const { return plan_.enabled(); }
  const GraphPlan& plan() const { return plan_; }

 private:
  StepOutputs run_eager(const Tensor& x, const Tensor& y);
  void bind(const Tensor& x, const Tensor& y);  // copies the batch into the fixed buffers
  void replay();

  StepFn step_;
  Optimizer& optimizer_;
  std::unique_ptr<StepGraph> graph_;
  GraphPlan plan_;
  std::unique_ptr<DeviceRandomBase> random_;
  Tensor x_, y_;            // the fixed input buffers of the static shape
  StepOutputs outputs_;     // the captured step's outputs
  uint64_t draws_ = 0;      // random counters one step of the static shape draws
};

}  // namespace msq::train
