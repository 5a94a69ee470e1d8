#include "apps/common/search_run.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "apps/common/train_run.h"
#include "engine/data/manifest.h"
#include "engine/io/atomic_file.h"
#include "engine/search/study.h"
#include "engine/train/interrupt.h"
#include "models/registry.h"

namespace msq::apps {

using nlohmann::json;

train::TrainConfig apply_params(train::TrainConfig base, const std::string& fixed_json, const std::string& params_json) {
  json options = json::parse(base.model_options.empty() ? "{}" : base.model_options);
  auto apply = [&](const json& object, const char* what) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (train::TrainConfig::is_field(it.key())) {
        base.update_from_json(json{{it.key(), it.value()}}.dump(), std::string("search ") + what + " '" + it.key() + "'");
      } else {
        options[it.key()] = it.value();
      }
    }
  };
  apply(json::parse(fixed_json), "fixed option");
  apply(json::parse(params_json), "parameter");
  base.model_options = options.dump();
  return base;
}

namespace {

std::string trial_dir(const std::string& dir, int64_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "trial-%04lld", (long long)number);
  return dir + "/" + name;
}

void write_trials_csv(const std::string& dir, const search::Study& study) {
  std::string csv = "trial,state,value,epochs,worker,params\n";
  for (const search::TrialRecord& t : study.trials()) {
    std::string params = t.params_json;
    std::string quoted = "\"";
    for (char ch : params) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    quoted += "\"";
    char row[128];
    std::snprintf(row, sizeof row, "%lld,%s,%.6g,%zu,", (long long)t.number, search::trial_state_name(t.state), t.value,
                  t.intermediate.size());
    csv += row + t.worker + "," + quoted + "\n";
  }
  write_file_atomic(dir + "/trials.csv", csv);
}

}  // namespace

std::optional<train::TrainConfig> run_search(const SearchRequest& r) {
  check(!r.base.split.empty(), "search", "the trials need a split manifest (base.split)");
  std::filesystem::create_directories(r.dir);
  const models::ArchitectureInfo info = models::architecture_info(r.base.model);
  search::StudyOptions o;
  o.journal = r.dir + "/journal.jsonl";
  o.space = r.space.for_model(r.base.model, info.hybrid);
  o.n_trials = r.trials;
  o.sampler = r.sampler;
  o.seed = r.base.seed;
  search::Study study(o);
  data::SplitManifest manifest = data::read_split_manifest(r.base.split, {r.base.data, true, false});
  std::fprintf(stderr, "[search] %s, %s plane: %lld of %lld trials finished; journal %s\n", r.base.model.c_str(),
               r.base.plane.c_str(), (long long)study.finished_count(), (long long)r.trials, o.journal.c_str());

  bool interrupted = false;
  search::run_study(study, [&](search::Study& s, const search::Study::Trial& trial) {
    train::TrainConfig c = apply_params(r.base, o.space.fixed_json, trial.params_json);
    c.out = trial_dir(r.dir, trial.number);
    c.resume = false;
    c.validate();
    std::fprintf(stderr, "[search] trial %lld: %s\n", (long long)trial.number, trial.params_json.c_str());
    bool pruned = false;
    train::FitResult fit = train_only(c, manifest, [&](const train::EpochRecord& e) {
      pruned = s.report(trial.number, e.epoch, e.val_loss);
      if (pruned) std::fprintf(stderr, "[search] trial %lld pruned after epoch %lld\n", (long long)trial.number, (long long)e.epoch);
      return pruned;
    });
    for (const char* f : {"/best.msqw", "/last.msqw"}) std::filesystem::remove(c.out + f);
    search::TrialOutcome out;
    if (fit.interrupted) {
      interrupted = true;
      out.state = search::TrialState::Failed;
      out.note = "interrupted";
      out.stop = true;
      return out;
    }
    out.state = pruned ? search::TrialState::Pruned : search::TrialState::Complete;
    out.value = fit.best_val_loss;
    std::fprintf(stderr, "[search] trial %lld %s: best validation loss %.5f (epoch %lld)\n", (long long)trial.number,
                 pruned ? "pruned" : "complete", fit.best_val_loss, (long long)fit.best_epoch);
    return out;
  }, /*poll_seconds=*/10.0, [&] {
    if (train::interrupt_requested()) interrupted = true;  // Ctrl-C while waiting for other processes
    return interrupted;
  });
  write_trials_csv(r.dir, study);
  if (interrupted) return std::nullopt;
  std::optional<search::TrialRecord> best = study.best();
  if (!best) return std::nullopt;
  train::TrainConfig c = apply_params(r.base, o.space.fixed_json, best->params_json);
  c.out = r.best_out.empty() ? std::filesystem::path(r.dir).parent_path().string() + "/best-run" : r.best_out;
  c.resume = false;
  json exported = json::parse(c.to_json());
  write_file_atomic(r.dir + "/best-config.json", exported.dump(2) + "\n");
  std::fprintf(stderr, "[search] best trial %lld: validation loss %.5f, %s -> %s/best-config.json\n",
               (long long)best->number, best->value, best->params_json.c_str(), r.dir.c_str());
  return c;
}

}  // namespace msq::apps
