// The median pruner: the rule itself, and a clearly bad trial stopped inside a study.
#include <cmath>

#include "engine/search/study.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq::search;

TEST_CASE("median rule: startup trials, warm-up steps, best value so far") {
  std::vector<std::map<int64_t, double>> done = {{{0, 1.0}, {1, 0.8}}, {{0, 1.2}, {1, 0.9}}, {{0, 0.9}, {1, 0.7}}};
  PrunerOptions o;
  o.n_startup_trials = 3;
  CHECK(median_should_prune({{0, 1.5}}, 0, done, o));        // 1.5 > median 1.0
  CHECK_FALSE(median_should_prune({{0, 0.95}}, 0, done, o)); // better than the median
  CHECK_FALSE(median_should_prune({{0, 0.5}, {1, 2.0}}, 1, done, o));  // its best so far (0.5) counts
  CHECK_FALSE(median_should_prune({{2, 9.0}}, 2, done, o));  // nobody reached step 2
  o.n_startup_trials = 4;
  CHECK_FALSE(median_should_prune({{0, 1.5}}, 0, done, o));  // too few complete trials
  o.n_startup_trials = 3;
  o.n_warmup_steps = 1;
  CHECK_FALSE(median_should_prune({{0, 1.5}}, 0, done, o));  // still warming up
  o.enabled = false;
  CHECK_FALSE(median_should_prune({{1, 5.0}}, 1, done, o));
}

TEST_CASE("inside a study, a clearly bad trial is pruned at its first report; a good one runs on") {
  const std::string dir = msq::test::scratch_dir("pruner");
  StudyOptions o;
  o.journal = dir + "/journal.jsonl";
  o.space = SearchSpace::from_json(R"({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})", "t");
  o.n_trials = 20;
  o.sampler = "random";
  Study study(o);
  // Five complete trials whose loss falls 1.0, 0.8, 0.6, ... over 5 epochs.
  for (int t = 0; t < 5; ++t) {
    auto trial = study.ask();
    REQUIRE(trial);
    for (int step = 1; step <= 5; ++step) CHECK_FALSE(study.report(trial->number, step, 1.2 - 0.2 * step + 0.01 * t));
    study.tell(trial->number, TrialState::Complete, 0.2);
  }
  auto bad = study.ask();
  REQUIRE(bad);
  CHECK(study.report(bad->number, 1, 5.0));  // far above the median 1.02
  study.tell(bad->number, TrialState::Pruned, NAN);
  auto good = study.ask();
  REQUIRE(good);
  for (int step = 1; step <= 5; ++step) CHECK_FALSE(study.report(good->number, step, 1.0 - 0.2 * step));
  study.tell(good->number, TrialState::Complete, 0.0);
  std::vector<TrialRecord> all = study.trials();
  REQUIRE(all.size() == 7);
  CHECK(all[5].state == TrialState::Pruned);
  CHECK(all[5].intermediate.size() == 1);
  CHECK(study.best()->number == 6);
}
