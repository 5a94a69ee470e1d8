// Which way each training step runs when CUDA graphs are on (kernels/step_graph.h): plain
// C++, no CUDA, so the CPU build tests every decision (tests/train/graph_plan_test.cpp). The
// Trainer's GraphStep (graph_step.h) follows it.
//
// The static shape is the batch shape of the first step. Its first `warmup` steps run
// eagerly (they fill the caching allocator, so the capture allocates nothing new), the next
// one is captured, later ones replay the graph. A step of another shape (the last, partial
// batch of an epoch) runs eagerly and leaves the graph alone; a new shape that comes
// `adopt_after` times in a row becomes the static shape (warm-up, capture again). A failed
// capture turns graphs off for the rest of the run, with its reason, and every step runs
// eagerly; `invalidate()` (something baked into the graph changed) captures again.
#pragma once
#include <cstdint>
#include <string>

#include "engine/core/shape.h"

namespace msq::train {

enum class StepRun {
  Eager,    // graphs off, or a batch of another shape
  WarmUp,   // eager, the static shape, before its capture
  Capture,  // run eagerly while captured; report with captured() or capture_failed()
  Replay,   // launch the captured graph
};

const char* step_run_name(StepRun run);

class GraphPlan {
 public:
  explicit GraphPlan(bool enabled, int warmup = 1, int adopt_after = 3);

  // The way to run the next step, on a batch of this shape (inputs and labels together, e.g.
  // {N, C, H, W, N}: any vector that differs whenever the captured kernels would).
  StepRun next(const Shape& batch_shape);

  void captured();                                // the Capture step gave a graph
  void capture_failed(const std::string& reason);  // graphs off from now on
  void invalidate();                              // capture the static shape again

  bool enabled() const { return enabled_; }
  bool has_graph() const { return has_graph_; }
  const std::string& failure() const { return failure_; }
  const Shape& static_shape() const { return static_shape_; }
  int64_t replays() const { return replays_; }
  int64_t captures() const { return captures_; }

 private:
  void adopt(const Shape& shape);

  bool enabled_;
  int warmup_;
  int adopt_after_;
  bool awaiting_report_ = false;  // a Capture was handed out and not yet reported
  bool has_graph_ = false;
  bool started_ = false;
  Shape static_shape_;
  int warmed_ = 0;  // warm-up steps run for the static shape
  Shape other_shape_;
  int other_run_ = 0;  // consecutive steps of other_shape_
  std::string failure_;
  int64_t replays_ = 0;
  int64_t captures_ = 0;
};

}  // namespace msq::train
