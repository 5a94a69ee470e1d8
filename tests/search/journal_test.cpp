// The study journal: a writer killed in the middle of a record, concurrent writer
// processes, dead workers' trials replaced, and a journal of another space refused.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <set>

#include "engine/io/atomic_file.h"
#include "engine/search/study.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::search;

namespace {

StudyOptions toy_options(const std::string& journal, int64_t n_trials) {
  StudyOptions o;
  o.journal = journal;
  o.space = SearchSpace::from_json(
      R"({"parameters": {"x": {"type": "float", "low": -2, "high": 2}, "k": {"type": "int", "low": 1, "high": 4}}})", "t");
  o.n_trials = n_trials;
  o.tpe.n_startup_trials = 3;
  return o;
}

TrialOutcome toy_objective(Study& study, const Study::Trial& t) {
  const double v = t.params.at("x") * t.params.at("x") + t.params.at("k");
  study.report(t.number, 1, v + 1);
  return {TrialState::Complete, v};
}

}  // namespace

TEST_CASE("a record torn by a killed writer is skipped and the records after it are kept") {
  const std::string dir = test::scratch_dir("journal-torn");
  Journal j(dir + "/j.jsonl");
  j.append(R"({"op":"a","n":1})");
  // A child writes half a record, without its newline, and is killed.
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(j.path().c_str(), O_WRONLY | O_APPEND);
    const char part[] = R"({"op":"b","n":2,"long":"xxxxxxxx)";
    ssize_t ignored = ::write(fd, part, sizeof part - 1);
    (void)ignored;
    ::kill(::getpid(), SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  JournalContents torn = j.read();
  CHECK(torn.records.size() == 1);
  CHECK(torn.skipped == 1);  // the unterminated last line
  j.append(R"({"op":"c","n":3})");
  JournalContents after = j.read();
  REQUIRE(after.records.size() == 2);
  CHECK(after.records[1] == R"({"op":"c","n":3})");
  CHECK(after.skipped == 1);
}

TEST_CASE("a study survives its process being killed mid-trial: the trial is replaced") {
  const std::string dir = test::scratch_dir("journal-kill");
  StudyOptions o = toy_options(dir + "/j.jsonl", 6);
  {
    Study s(o);
    for (int i = 0; i < 2; ++i) {
      auto t = s.ask();
      REQUIRE(t);
      s.tell(t->number, TrialState::Complete, toy_objective(s, *t).value);
    }
  }
  pid_t pid = ::fork();
  if (pid == 0) {  // takes trial 2, reports once, dies
    Study s(o);
    auto t = s.ask();
    if (t) s.report(t->number, 1, 3.0);
    ::kill(::getpid(), SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Study s(o);
  REQUIRE(s.trials().size() == 3);
  CHECK(s.trials()[2].state == TrialState::Running);
  CHECK(run_study(s, toy_objective) == 4);  // trial 2 is marked failed; 4 more reach 6
  std::vector<TrialRecord> all = s.trials();
  REQUIRE(all.size() == 7);
  CHECK(all[2].state == TrialState::Failed);
  CHECK(all[2].note.find("is gone") != std::string::npos);
  CHECK(s.finished_count() == 6);
  CHECK(run_study(s, toy_objective) == 0);  // rerunning the command: nothing left to do
}

TEST_CASE("concurrent writer processes share one study without corrupting it") {
  const std::string dir = test::scratch_dir("journal-concurrent");
  StudyOptions o = toy_options(dir + "/j.jsonl", 40);
  std::vector<pid_t> children;
  for (int w = 0; w < 4; ++w) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int rc = 0;
      try {
        Study s(o);
        run_study(s, toy_objective);
      } catch (...) {
        rc = 1;
      }
      ::_exit(rc);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  Journal j(o.journal);
  JournalContents c = j.read();
  CHECK(c.skipped == 0);
  CHECK(c.records.size() == 1 + 40 * 3);  // study + (trial, report, finish) per trial
  Study s(o);
  std::vector<TrialRecord> all = s.trials();
  REQUIRE(all.size() == 40);
  std::set<std::string> workers;
  for (const TrialRecord& t : all) {
    CHECK(t.state == TrialState::Complete);
    CHECK(t.intermediate.size() == 1);
    workers.insert(t.worker);
  }
  CHECK(workers.size() >= 2);
}

TEST_CASE("a process whose study is full waits for the trials others are running") {
  const std::string dir = test::scratch_dir("journal-wait");
  StudyOptions o = toy_options(dir + "/j.jsonl", 1);
  { Study s(o); }
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {  // takes the only trial, signals, finishes it a moment later
    Study s(o);
    auto t = s.ask();
    char byte = 1;
    ssize_t ignored = ::write(ready[1], &byte, 1);
    (void)ignored;
    ::usleep(600000);
    if (t) s.tell(t->number, TrialState::Complete, 1.0);
    ::_exit(0);
  }
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  Study s(o);
  CHECK(s.running_count() == 1);
  CHECK(run_study(s, toy_objective, 0.05) == 0);  // returns once the other trial is done
  CHECK(s.running_count() == 0);
  CHECK(s.finished_count() == 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST_CASE("the example search space file is the default space") {
  SearchSpace file = SearchSpace::from_json(read_file("apps/msq-train/search-space.json"), "apps/msq-train/search-space.json");
  CHECK(file.to_json() == SearchSpace::from_json(default_search_space_json(), "default").to_json());
}

TEST_CASE("one journal, one search space") {
  const std::string dir = test::scratch_dir("journal-space");
  StudyOptions o = toy_options(dir + "/j.jsonl", 3);
  { Study s(o); }
  o.space = SearchSpace::from_json(R"({"parameters": {"y": {"type": "float", "low": 0, "high": 1}}})", "other");
  CHECK_THROWS_WITH(Study{o}, doctest::Contains("[study] the journal"));
}

TEST_CASE("search-space errors name the file and the parameter") {
  CHECK_THROWS_WITH(SearchSpace::from_json("{", "s.json"), doctest::Contains("[search-space] 's.json' is not valid JSON"));
  CHECK_THROWS_WITH(SearchSpace::from_json(R"({"parameters": {"lr": {"type": "float", "low": 0, "high": 1, "log": true}}})", "s.json"),
                    doctest::Contains("parameter 'lr': a log parameter needs low > 0"));
  CHECK_THROWS_WITH(SearchSpace::from_json(R"({"parameters": {"u": {"type": "categorical"}}})", "s.json"),
                    doctest::Contains("parameter 'u': needs a non-empty 'choices' array"));
  CHECK_THROWS_WITH(SearchSpace::from_json(R"({"parameters": {"u": {"type": "int", "low": 1, "high": 3, "lo": 2}}})", "s.json"),
                    doctest::Contains("unknown key 'lo'"));
  SearchSpace d = SearchSpace::from_json(default_search_space_json(), "default");
  CHECK(d.for_model("cnn", false).find("n_qubits") == nullptr);
  CHECK(d.for_model("qcnn", true).find("n_qubits") != nullptr);
  CHECK(SearchSpace::from_json(d.to_json(), "round trip").to_json() == d.to_json());
}
