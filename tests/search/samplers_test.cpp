// The samplers on toy objectives: TPE beats random search at equal budgets (averaged over
// seeds), and does as well as Optuna's TPE (tools/search/optuna_reference.py, skipped when
// the tools venv lacks Optuna).
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "engine/search/samplers.h"
#include "python_tools.h"
#include "test_support.h"
#include "toy_objectives.h"

using namespace msq;
using namespace msq::search;

namespace {

constexpr int kTrials = 40, kSeeds = 10;

// The best value after `trials` trials of one sampler on one objective.
double best_after(const test::ToyObjective& obj, bool tpe, uint64_t seed, int trials) {
  SearchSpace space = SearchSpace::from_json(obj.space_json, obj.name);
  std::mt19937_64 rng(seed);
  std::vector<Observation> history;
  double best = INFINITY;
  for (int t = 0; t < trials; ++t) {
    ParamValues v = tpe ? sample_tpe(space, history, TpeOptions{}, rng) : sample_random(space, rng);
    Observation o;
    o.params = v;
    o.value = obj.f(v);
    o.number = t;
    history.push_back(o);
    best = std::min(best, o.value);
  }
  return best;
}

double mean_best(const test::ToyObjective& obj, bool tpe) {
  double s = 0;
  for (int seed = 0; seed < kSeeds; ++seed) s += best_after(obj, tpe, 1000 + seed, kTrials);
  return s / kSeeds;
}

}  // namespace

TEST_CASE("random sampling respects the space: ranges, int grids, log scale, choices") {
  SearchSpace space = SearchSpace::from_json(
      R"({"parameters": {"lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true},
          "k": {"type": "int", "low": 2, "high": 10, "step": 2}, "c": {"type": "categorical", "choices": [16, "x", true]}}})",
      "test");
  std::mt19937_64 rng(1);
  int below_1e3 = 0;
  for (int i = 0; i < 2000; ++i) {
    ParamValues v = sample_random(space, rng);
    CHECK(v["lr"] >= 1e-5);
    CHECK(v["lr"] <= 1e-1);
    below_1e3 += v["lr"] < 1e-3;
    CHECK(std::fmod(v["k"], 2.0) == 0);
    CHECK(v["k"] >= 2);
    CHECK(v["k"] <= 10);
    CHECK((v["c"] == 0 || v["c"] == 1 || v["c"] == 2));
  }
  CHECK(below_1e3 > 900);  // log-uniform: half the mass below 1e-3
  CHECK(below_1e3 < 1100);
  CHECK(params_json(space, {{"lr", 0.01}, {"k", 4}, {"c", 1}}) == R"({"c":"x","k":4,"lr":0.01})");
  CHECK(params_from_json(space, R"({"c": true, "k": 6})") == ParamValues{{"c", 2}, {"k", 6}});
}

TEST_CASE("TPE beats random search at equal budgets, averaged over seeds") {
  for (const test::ToyObjective& obj : test::toy_objectives()) {
    const double tpe = mean_best(obj, true), random = mean_best(obj, false);
    MESSAGE(obj.name << ": mean best after " << kTrials << " trials: TPE " << tpe << ", random " << random);
    CHECK(tpe < random);
  }
}

TEST_CASE("TPE does as well as Optuna's TPE on the same objectives") {
  const std::string python = test::tools_venv_python();
  if (!test::python_has(python, "optuna")) {
    test::skip("Optuna is not available: make .venv-tools with tools/requirements-tools.txt");
    return;
  }
  const std::string dir = test::scratch_dir("optuna");
  const std::string cmd = python + " tools/search/optuna_reference.py '" + dir + "/out.json' " +
                          std::to_string(kTrials) + " " + std::to_string(kSeeds);
  REQUIRE(std::system(cmd.c_str()) == 0);
  nlohmann::json ref = nlohmann::json::parse(read_file(dir + "/out.json"));
  for (const test::ToyObjective& obj : test::toy_objectives()) {
    double optuna = 0, optuna_sq = 0;
    for (double v : ref[obj.name]) optuna += v, optuna_sq += v * v;
    optuna /= kSeeds;
    const double se = std::sqrt(std::max(optuna_sq / kSeeds - optuna * optuna, 0.0) / kSeeds);
    const double ours = mean_best(obj, true);
    MESSAGE(obj.name << ": mean best after " << kTrials << " trials: msq TPE " << ours << ", Optuna TPE " << optuna
                     << " (standard error " << se << ")");
    // As well as: not worse than Optuna's mean by more than 2 standard errors of it, or 25 %.
    CHECK(ours <= std::max(optuna + 2 * se, 1.25 * optuna));
  }
}
