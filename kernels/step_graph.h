// Capture of a piece of device work (a training or inference step of static shapes) into a
// replayable graph: CUDA graphs on the GPU (kernels/cuda/step_graph.cpp). Backend::
// new_step_graph() gives one, or nullptr where the backend has none (the CPU): run eagerly.
//
//   g->run_eager(step);            // warm-up: fills the allocator's cache, plans, algorithms
//   if (!g->capture(step)) ...     // recorded, not run; false: g->failure() says why, run
//                                  // the step eagerly from now on
//   g->replay();                   // runs it (after the capture too: the capture ran nothing)
//
// What the captured work must respect: every device call on the compute stream (kernels do;
// a synchronous host read such as item() fails the capture); no new device memory beyond
// what the warm-up left cached (fails the capture); the tensors it reads and writes keep
// their addresses between replays (inputs copied into fixed buffers before each replay;
// outputs allocated in the capture belong to the graph and are overwritten by each replay);
// host values baked into kernel arguments at capture time (scalars, step counts, seeds) are
// the same in every replay (engine/train/graph_step.h keeps a training step's changing values
// in device memory instead). Host-side effects of a failed capture (counters advanced in the
// work) are not undone.
#pragma once
#include <functional>
#include <string>

namespace msq {

class StepGraph {
 public:
  virtual ~StepGraph() = default;
  // Runs `work` now, on the graph's stream (ordered with the other device work).
  virtual void run_eager(const std::function<void()>& work) = 0;
  // Records `work` into a new graph (replacing any earlier one). Any error (a CUDA error, an
  // msq::Error from the work, the allocator refusing a new block) ends the capture cleanly:
  // false, and failure() holds the reason.
  virtual bool capture(const std::function<void()>& work) = 0;
  // Runs the captured graph; the device work queued after it waits for it.
  virtual void replay() = 0;
  virtual bool captured() const = 0;
  virtual const std::string& failure() const = 0;
};

}  // namespace msq
