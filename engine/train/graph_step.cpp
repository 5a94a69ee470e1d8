// A training step, eager or through a CUDA graph (graph_step.h).
#include "engine/train/graph_step.h"

#include <cstdio>
#include <string>

#include "engine/core/rng.h"

namespace msq::train {

namespace {

// The plan's key for a batch: the input shape, then the labels' shape.
Shape batch_key(const Tensor& x, const Tensor& y) {
  Shape key = x.shape();
  key.insert(key.end(), y.shape().begin(), y.shape().end());
  return key;
}

}  // namespace

GraphStep::GraphStep(StepFn step, Optimizer& optimizer, std::unique_ptr<StepGraph> graph, int warmup)
    : step_(std::move(step)),
      optimizer_(optimizer),
      graph_(std::move(graph)),
      plan_(graph_ != nullptr, warmup) {
  if (graph_) optimizer_.set_staged(true);
}

StepOutputs GraphStep::run_eager(const Tensor& x, const Tensor& y) {
  if (optimizer_.staged()) optimizer_.stage();
  return step_(x, y);
}

void GraphStep::bind(const Tensor& x, const Tensor& y) {
  if (!x_.defined() || x_.shape() != x.shape() || x_.dtype() != x.dtype() ||
      y_.shape() != y.shape() || y_.dtype() != y.dtype() || x_.device() != x.device()) {
    // A new static shape (the plan warms it up before capturing it): new buffers.
    x_ = Tensor::empty(x.shape(), x.options());
    y_ = Tensor::empty(y.shape(), y.options());
  }
  if (!random_ || random_->device() != x.device()) random_ = std::make_unique<DeviceRandomBase>(x.device());
  x_.copy_(x);
  y_.copy_(y);
}

void GraphStep::replay() {
  Generator& gen = default_generator();
  const uint64_t origin = gen.offset();
  random_->write(origin);
  graph_->replay();
  gen.set_offset(origin + draws_);
}

StepOutputs GraphStep::run(const Tensor& x, const Tensor& y) {
  if (!plan_.enabled()) return run_eager(x, y);
  const StepRun how = plan_.next(batch_key(x, y));
  if (how == StepRun::Eager) return run_eager(x, y);
  optimizer_.stage();
  bind(x, y);
  Generator& gen = default_generator();
  if (how == StepRun::WarmUp) {
    const uint64_t origin = gen.offset();
    random_->write(origin);
    StepOutputs out;
    graph_->run_eager([&] {
      DeviceRandomScope scope(*random_);
      out = step_(x_, y_);
    });
    // A step of the static shape reserves the same counters every time (dropout and drop
    // path draw one per element or sample): what each replay must advance the generator by.
    draws_ = gen.offset() - origin;
    return out;
  }
  if (how == StepRun::Capture) {
    const uint64_t origin = gen.offset();
    random_->write(origin);
    outputs_ = {};
    const bool ok = graph_->capture([&] {
      DeviceRandomScope scope(*random_);
      outputs_ = step_(x_, y_);
    });
    // The capture reserved the step's counters and drew none: give them back (the replay
    // below draws them).
    gen.set_offset(origin);
    if (!ok) {
      outputs_ = {};
      plan_.capture_failed(graph_->failure());
      std::fprintf(stderr, "[msq-train] CUDA graph capture failed, training eagerly: %s\n",
                   graph_->failure().c_str());
      return step_(x, y);  // stage() has run for this step
    }
    plan_.captured();
    std::fprintf(stderr, "[msq-train] CUDA graph captured for batch shape %s\n",
                 std::string(shape_str(x.shape())).c_str());
  }
  replay();  // the capture ran nothing: its step is this replay
  return outputs_;
}

}  // namespace msq::train
