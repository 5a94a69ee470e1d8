// A hyper-parameter study kept in a journal (journal.h): any number of processes, on one
// machine or on several sharing the file system, run trials of one study at once.
//
// Journal records (one JSON object per line):
//   {"op": "study", "version": 1, "space": {...}, "sampler": "tpe", "seed": 42, "n_trials": 50, "time": ...}
//   {"op": "trial", "trial": 7, "params": {"lr": 0.0003, ...}, "worker": "host:pid", "time": ...}
//   {"op": "report", "trial": 7, "step": 3, "value": 0.41}           (validation loss after epoch 3)
//   {"op": "finish", "trial": 7, "state": "complete" | "pruned" | "failed", "value": 0.38 | null,
//    "note": "...", "time": ...}
// The study is its journal: rerunning the same command reads it and goes on. A trial whose
// process died (killed, crashed machine) stays "running" in the journal; a worker on the
// same host whose pid is gone is marked failed by the next ask(), and failed trials do
// not count towards n_trials, so the study runs a replacement. Trials of a worker on
// another host that died are marked failed after stale_hours without a record.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/search/journal.h"
#include "engine/search/median_pruner.h"
#include "engine/search/samplers.h"
#include "engine/search/search_space.h"

namespace msq::search {

enum class TrialState { Running, Complete, Pruned, Failed };
const char* trial_state_name(TrialState s);

struct TrialRecord {
  int64_t number = 0;
  TrialState state = TrialState::Running;
  ParamValues params;
  std::string params_json = "{}";
  std::map<int64_t, double> intermediate;  // step -> reported value
  double value = 0;                        // complete: the objective
  std::string worker, note;
  double started = 0, last_seen = 0;       // Unix seconds
};

struct StudyOptions {
  std::string journal;         // path of the journal file
  SearchSpace space;
  int64_t n_trials = 50;       // finished (complete + pruned) trials to reach
  std::string sampler = "tpe"; // tpe | random
  uint64_t seed = 42;
  TpeOptions tpe;
  PrunerOptions pruner;
  double stale_hours = 24;     // a running trial silent this long is considered dead
};

class Study {
 public:
  // Creates the journal with its "study" record, or opens it and checks that its space
  // is the same (an error otherwise: one journal, one study).
  explicit Study(StudyOptions options);

  struct Trial {
    int64_t number = 0;
    ParamValues params;
    std::string params_json;
  };
  // The next trial, or nothing when the study has n_trials finished or running trials.
  std::optional<Trial> ask();
  // Records an intermediate value; true when the pruner says to stop the trial.
  bool report(int64_t trial, int64_t step, double value);
  void tell(int64_t trial, TrialState state, double value, const std::string& note = "");

  std::vector<TrialRecord> trials() const;
  // The complete trial with the lowest value (the first on ties); nothing before one completes.
  std::optional<TrialRecord> best() const;
  int64_t finished_count() const;
  // Trials still running (in any process).
  int64_t running_count() const;
  const StudyOptions& options() const { return options_; }

 private:
  StudyOptions options_;
  Journal journal_;
};

struct TrialOutcome {
  TrialState state = TrialState::Complete;
  double value = 0;
  std::string note;
  bool stop = false;  // stop the study loop after this trial (e.g. Ctrl-C)
};
// The objective: trains one trial; reports through study.report(...) and returns its outcome.
using Objective = std::function<TrialOutcome(Study& study, const Study::Trial& trial)>;

// Asks and runs trials until the study is full or the objective says stop. An exception
// from the objective marks the trial failed; three in a row end the loop with that error.
// Then, unless stopped, waits (polling every poll_seconds) for the trials other processes
// are still running, running replacements for any whose worker died, so that the study
// is complete when it returns; `stop_waiting` (when given) is polled too and ends the
// wait early (e.g. on Ctrl-C). Returns the number of trials this call ran.
int64_t run_study(Study& study, const Objective& objective, double poll_seconds = 10,
                  const std::function<bool()>& stop_waiting = nullptr);

}  // namespace msq::search
