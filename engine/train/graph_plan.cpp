// The eager / warm-up / capture / replay decision per training step (graph_plan.h).
#include "engine/train/graph_plan.h"

#include "engine/core/error.h"

namespace msq::train {

const char* step_run_name(StepRun run) {
  switch (run) {
    case StepRun::Eager: return "eager";
    case StepRun::WarmUp: return "warm-up";
    case StepRun::Capture: return "capture";
    case StepRun::Replay: return "replay";
  }
  return "?";
}

GraphPlan::GraphPlan(bool enabled, int warmup, int adopt_after)
    : enabled_(enabled), warmup_(warmup), adopt_after_(adopt_after) {
  check(warmup >= 1, "cuda graph", "the capture needs at least one eager warm-up step, got ",
        warmup);
  check(adopt_after >= 1, "cuda graph", "adopt_after must be at least 1, got ", adopt_after);
}

void GraphPlan::adopt(const Shape& shape) {
  static_shape_ = shape;
  started_ = true;
  has_graph_ = false;
  warmed_ = 0;
  other_shape_.clear();
  other_run_ = 0;
}

StepRun GraphPlan::next(const Shape& batch_shape) {
  if (!enabled_) return StepRun::Eager;
  check(!awaiting_report_, "cuda graph", "the capture step was not reported (captured or failed)");
  if (!started_) adopt(batch_shape);
  if (batch_shape != static_shape_) {
    if (batch_shape == other_shape_) {
      ++other_run_;
    } else {
      other_shape_ = batch_shape;
      other_run_ = 1;
    }
    if (other_run_ < adopt_after_) return StepRun::Eager;
    adopt(batch_shape);  // the shape has changed for good: warm up and capture it
  } else {
    other_shape_.clear();
    other_run_ = 0;
  }
  if (has_graph_) {
    ++replays_;
    return StepRun::Replay;
  }
  if (warmed_ < warmup_) {
    ++warmed_;
    return StepRun::WarmUp;
  }
  awaiting_report_ = true;
  return StepRun::Capture;
}

void GraphPlan::captured() {
  check(awaiting_report_, "cuda graph", "captured() without a capture step");
  awaiting_report_ = false;
  has_graph_ = true;
  ++captures_;
}

void GraphPlan::capture_failed(const std::string& reason) {
  awaiting_report_ = false;
  has_graph_ = false;
  enabled_ = false;
  failure_ = reason;
}

void GraphPlan::invalidate() {
  // The cache stays warm: the next step of the static shape captures at once.
  has_graph_ = false;
}

}  // namespace msq::train
