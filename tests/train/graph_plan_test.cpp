// The per-step decision of CUDA-graph training (engine/train/graph_plan.h): warm-up, capture,
// replay, the partial last batch, a lasting shape change, a failed capture's fallback.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/train/graph_plan.h"
#include "kernels/backend.h"

using msq::Shape;
using msq::train::GraphPlan;
using msq::train::StepRun;

namespace {

// The runs of a sequence of batch shapes, each capture reported as succeeding.
std::string runs(GraphPlan& plan, const std::vector<Shape>& shapes) {
  std::string out;
  for (const Shape& s : shapes) {
    const StepRun r = plan.next(s);
    if (r == StepRun::Capture) plan.captured();
    out += r == StepRun::Eager ? 'E' : r == StepRun::WarmUp ? 'W' : r == StepRun::Capture ? 'C' : 'R';
  }
  return out;
}

const Shape kFull = {16, 3, 32, 32, 16};
const Shape kTail = {5, 3, 32, 32, 5};
const Shape kOther = {8, 3, 32, 32, 8};

}  // namespace

TEST_CASE("graph plan: off runs every step eagerly") {
  GraphPlan plan(false);
  CHECK(runs(plan, {kFull, kFull, kFull, kTail}) == "EEEE");
  CHECK_FALSE(plan.has_graph());
}

TEST_CASE("graph plan: warm-up, capture, replays; the partial batch runs eagerly") {
  GraphPlan plan(true);
  // Two epochs of three full batches and a partial one.
  CHECK(runs(plan, {kFull, kFull, kFull, kTail, kFull, kFull, kFull, kTail}) == "WCRERRRE");
  CHECK(plan.captures() == 1);
  CHECK(plan.replays() == 4);
  CHECK(plan.static_shape() == kFull);
  // The partial batch of every later epoch too: full batches between them reset the count.
  CHECK(runs(plan, {kFull, kTail, kFull, kTail, kFull, kTail, kFull}) == "RERERER");
  CHECK(plan.static_shape() == kFull);

  GraphPlan two(true, 2);
  CHECK(runs(two, {kFull, kFull, kFull, kFull}) == "WWCR");
}

TEST_CASE("graph plan: a shape that lasts becomes the captured one") {
  GraphPlan plan(true, 1, 3);
  CHECK(runs(plan, {kFull, kFull, kFull}) == "WCR");
  // Two steps of a new shape stay eager; the third adopts it (warm-up, then capture).
  CHECK(runs(plan, {kOther, kOther, kOther, kOther, kOther}) == "EEWCR");
  CHECK(plan.static_shape() == kOther);
  CHECK(plan.captures() == 2);
  // Shapes alternating never reach adopt_after in a row.
  CHECK(runs(plan, {kFull, kTail, kFull, kTail, kOther}) == "EEEER");
}

TEST_CASE("graph plan: a failed capture falls back to eager for the rest of the run") {
  GraphPlan plan(true);
  CHECK(plan.next(kFull) == StepRun::WarmUp);
  CHECK(plan.next(kFull) == StepRun::Capture);
  plan.capture_failed("[cuda allocator] graph capture needs 512 new bytes");
  CHECK_FALSE(plan.enabled());
  CHECK(plan.failure().find("graph capture needs") != std::string::npos);
  CHECK(runs(plan, {kFull, kFull, kTail, kFull}) == "EEEE");
  CHECK(plan.captures() == 0);
}

TEST_CASE("graph plan: invalidate captures again; an unreported capture is an error") {
  GraphPlan plan(true);
  CHECK(runs(plan, {kFull, kFull, kFull}) == "WCR");
  plan.invalidate();
  CHECK(runs(plan, {kFull, kFull}) == "CR");  // the cache is warm: no second warm-up

  GraphPlan p2(true);
  p2.next(kFull);
  CHECK(p2.next(kFull) == StepRun::Capture);
  CHECK_THROWS_WITH_AS(p2.next(kFull), doctest::Contains("[cuda graph]"), msq::Error);
  CHECK_THROWS_AS(GraphPlan(true, 0), msq::Error);
}

TEST_CASE("graph plan: the CPU backend has no step graph, so its steps run eagerly") {
  CHECK(msq::backend(msq::Device::cpu()).new_step_graph() == nullptr);
}
