#include "engine/search/study.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace msq::search {

using nlohmann::json;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {0};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string this_worker() { return host_name() + ":" + std::to_string(::getpid()); }

// True when the worker is on this host and its process no longer exists.
bool worker_gone(const std::string& worker) {
  const size_t colon = worker.rfind(':');
  if (colon == std::string::npos || worker.substr(0, colon) != host_name()) return false;
  const long pid = std::strtol(worker.c_str() + colon + 1, nullptr, 10);
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

TrialState parse_state(const std::string& s) {
  if (s == "complete") return TrialState::Complete;
  if (s == "pruned") return TrialState::Pruned;
  if (s == "failed") return TrialState::Failed;
  fail("study", "unknown trial state '", s, "' in the journal");
}

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::vector<TrialRecord> replay(const JournalContents& c, const SearchSpace& space) {
  std::vector<TrialRecord> trials;
  for (const std::string& line : c.records) {
    json r = json::parse(line);
    const std::string op = r.value("op", "");
    if (op == "trial") {
      TrialRecord t;
      t.number = r.at("trial").get<int64_t>();
      t.params_json = r.at("params").dump();
      t.params = params_from_json(space, t.params_json);
      t.worker = r.value("worker", "");
      t.started = t.last_seen = r.value("time", 0.0);
      if (t.number != static_cast<int64_t>(trials.size())) continue;  // never written by this code
      trials.push_back(t);
      continue;
    }
    if (op != "report" && op != "finish") continue;
    const int64_t n = r.at("trial").get<int64_t>();
    if (n < 0 || n >= static_cast<int64_t>(trials.size())) continue;
    TrialRecord& t = trials[n];
    t.last_seen = std::max(t.last_seen, r.value("time", 0.0));
    if (op == "report") {
      t.intermediate[r.at("step").get<int64_t>()] = r.at("value").is_null() ? NAN : r.at("value").get<double>();
    } else if (t.state == TrialState::Running) {  // the first finish record counts
      t.state = parse_state(r.at("state").get<std::string>());
      t.value = r.at("value").is_null() ? NAN : r.at("value").get<double>();
      t.note = r.value("note", "");
    }
  }
  return trials;
}

}  // namespace

const char* trial_state_name(TrialState s) {
  switch (s) {
    case TrialState::Running: return "running";
    case TrialState::Complete: return "complete";
    case TrialState::Pruned: return "pruned";
    case TrialState::Failed: return "failed";
  }
  return "?";
}

Study::Study(StudyOptions options) : options_(std::move(options)), journal_(options_.journal) {
  check(options_.sampler == "tpe" || options_.sampler == "random", "study", "sampler must be tpe or random, got '",
        options_.sampler, "'");
  check(options_.n_trials > 0, "study", "n_trials must be > 0");
  const json space = json::parse(options_.space.to_json());
  journal_.locked([&] {
    JournalContents c = journal_.read();
    for (const std::string& line : c.records) {
      json r = json::parse(line);
      if (r.value("op", "") != "study") continue;
      check(r.at("space") == space, "study", "the journal '", journal_.path(),
            "' holds a study over another search space; use another --out (or delete the journal)");
      return;
    }
    journal_.append(json{{"op", "study"}, {"version", 1}, {"space", space}, {"sampler", options_.sampler},
                         {"seed", options_.seed}, {"n_trials", options_.n_trials}, {"time", now_seconds()}}
                        .dump());
  });
}

std::vector<TrialRecord> Study::trials() const { return replay(journal_.read(), options_.space); }

int64_t Study::finished_count() const {
  int64_t n = 0;
  for (const TrialRecord& t : trials()) n += t.state == TrialState::Complete || t.state == TrialState::Pruned;
  return n;
}

int64_t Study::running_count() const {
  int64_t n = 0;
  for (const TrialRecord& t : trials()) n += t.state == TrialState::Running;
  return n;
}

std::optional<TrialRecord> Study::best() const {
  std::optional<TrialRecord> best;
  for (const TrialRecord& t : trials())
    if (t.state == TrialState::Complete && std::isfinite(t.value) && (!best || t.value < best->value)) best = t;
  return best;
}

std::optional<Study::Trial> Study::ask() {
  std::optional<Trial> out;
  journal_.locked([&] {
    std::vector<TrialRecord> all = trials();
    const double now = now_seconds();
    int64_t taken = 0;
    std::vector<Observation> history;
    for (TrialRecord& t : all) {
      if (t.state == TrialState::Running &&
          (worker_gone(t.worker) || now - t.last_seen > options_.stale_hours * 3600.0)) {
        journal_.append(json{{"op", "finish"}, {"trial", t.number}, {"state", "failed"}, {"value", nullptr},
                             {"note", "worker " + t.worker + " is gone"}, {"time", now}}
                            .dump());
        t.state = TrialState::Failed;
      }
      if (t.state != TrialState::Failed) ++taken;
      if (t.state == TrialState::Complete || t.state == TrialState::Pruned) {
        Observation o;
        o.params = t.params;
        o.number = t.number;
        o.complete = t.state == TrialState::Complete;
        o.value = t.value;
        if (!o.complete && !t.intermediate.empty()) {
          o.last_step = t.intermediate.rbegin()->first;
          o.value = t.intermediate.rbegin()->second;
        }
        history.push_back(o);
      }
    }
    if (taken >= options_.n_trials) return;
    Trial trial;
    trial.number = static_cast<int64_t>(all.size());
    std::seed_seq seq{static_cast<uint32_t>(options_.seed), static_cast<uint32_t>(options_.seed >> 32),
                      static_cast<uint32_t>(trial.number)};
    std::mt19937_64 rng(seq);
    trial.params = options_.sampler == "random" ? sample_random(options_.space, rng)
                                                : sample_tpe(options_.space, history, options_.tpe, rng);
    trial.params_json = params_json(options_.space, trial.params);
    journal_.append(json{{"op", "trial"}, {"trial", trial.number}, {"params", json::parse(trial.params_json)},
                         {"worker", this_worker()}, {"time", now}}
                        .dump());
    out = trial;
  });
  return out;
}

bool Study::report(int64_t trial, int64_t step, double value) {
  journal_.append(json{{"op", "report"}, {"trial", trial}, {"step", step}, {"value", number_or_null(value)},
                       {"time", now_seconds()}}
                      .dump());
  std::vector<TrialRecord> all = trials();
  std::vector<std::map<int64_t, double>> completed;
  const TrialRecord* self = nullptr;
  for (const TrialRecord& t : all) {
    if (t.number == trial) self = &t;
    else if (t.state == TrialState::Complete) completed.push_back(t.intermediate);
  }
  check(self != nullptr, "study", "trial ", trial, " is not in the journal");
  return median_should_prune(self->intermediate, step, completed, options_.pruner);
}

void Study::tell(int64_t trial, TrialState state, double value, const std::string& note) {
  check(state != TrialState::Running, "study", "tell needs a finished state");
  json r = {{"op", "finish"}, {"trial", trial}, {"state", trial_state_name(state)}, {"value", number_or_null(value)},
            {"time", now_seconds()}};
  if (!note.empty()) r["note"] = note;
  journal_.append(r.dump());
}

int64_t run_study(Study& study, const Objective& objective, double poll_seconds,
                  const std::function<bool()>& stop_waiting) {
  int64_t ran = 0, failures_in_a_row = 0;
  bool announced = false;
  for (;;) {
    while (std::optional<Study::Trial> trial = study.ask()) {
      TrialOutcome outcome;
      try {
        outcome = objective(study, *trial);
      } catch (const std::exception& e) {
        study.tell(trial->number, TrialState::Failed, NAN, e.what());
        std::fprintf(stderr, "[search] trial %lld failed: %s\n", (long long)trial->number, e.what());
        if (++failures_in_a_row >= 3) throw;
        ++ran;
        continue;
      }
      failures_in_a_row = 0;
      study.tell(trial->number, outcome.state, outcome.value, outcome.note);
      ++ran;
      if (outcome.stop) return ran;
    }
    const int64_t running = study.running_count();
    if (running == 0 || (stop_waiting && stop_waiting())) return ran;
    if (!announced) {
      std::fprintf(stderr, "[search] waiting for %lld trial(s) of other processes to finish\n", (long long)running);
      announced = true;
    }
    ::usleep(static_cast<useconds_t>(poll_seconds * 1e6));
  }
}

}  // namespace msq::search
