// msq-train --search and --protocol end to end on the embedded synthetic data: a tiny grid
// (CNN and QCNN, one plane, 2 seeds, a 3-trial search, 32 px images, 2 epochs), its report
// files, a rerun that skips finished cells, a lost seed run redone, and the exported best
// configuration taken back by msq-train --config.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/io/atomic_file.h"
#include "app_runner.h"
#include "test_support.h"

namespace {

const std::string kBin = msq::test::kAppsDir;
using Run = msq::test::AppRun;

Run run(const std::string& args) { return msq::test::run_app(args, "protocol-test"); }
bool exists(const std::string& p) { return msq::test::path_exists(p); }

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a tiny protocol: search, seeds, report, resume") {
  const std::string out = "/tmp/msq-protocol-test-" + std::to_string(::getpid());
  std::system(("rm -rf '" + out + "' && mkdir -p '" + out + "'").c_str());
  msq::write_file_atomic(out + "/space.json", R"({"parameters": {
      "lr": {"type": "float", "low": 3e-4, "high": 3e-3, "log": true},
      "units": {"type": "categorical", "choices": [16, 32]},
      "n_qubits": {"type": "int", "low": 2, "high": 3, "models": "hybrid"}},
    "fixed": {"epochs": 2}})");
  const std::string cmd = kBin + "/msq-train --protocol --models cnn,qcnn --planes axial --seeds 2 --search 3 --search-space " +
                          out + "/space.json --image-size 32 --batch-size 32 --threads 1 --bootstrap 200 --out " + out + "/p";
  Run first = run(cmd);
  INFO(first.output);
  REQUIRE(first.status == 0);
  CHECK(count(first.output, "[search] trial ") >= 6);
  for (const char* f : {"report/report.md", "report/report.csv", "report/report-tests.csv", "report/report.json",
                        "report/roc-pairs.png", "axial/split.json", "axial/cnn/search/journal.jsonl",
                        "axial/cnn/search/best-config.json", "axial/cnn/search/trials.csv",
                        "axial/qcnn/search/best-config.json", "axial/cnn/seed-42/test/scores.json",
                        "axial/qcnn/seed-43/summary.json"})
    CHECK_MESSAGE(exists(out + "/p/" + f), f);
  CHECK_FALSE(exists(out + "/p/axial/cnn/search/trial-0000/best.msqw"));  // trial weights are not kept

  auto report = nlohmann::json::parse(msq::read_file(out + "/p/report/report.json"));
  REQUIRE(report["cells"].size() == 2);
  CHECK(report["cells"][0]["model"] == "cnn");
  CHECK(report["cells"][0]["seeds"] == nlohmann::json::array({42, 43}));
  const auto& acc = report["cells"][1]["metrics"]["accuracy"];
  CHECK(acc["per_seed"].size() == 2);
  CHECK(acc["ci_low"].get<double>() <= acc["mean"].get<double>());
  CHECK(acc["mean"].get<double>() <= acc["ci_high"].get<double>());
  CHECK(acc["study"].get<double>() == doctest::Approx(0.9305));
  REQUIRE(report["pairs"].size() == 1);
  CHECK(report["pairs"][0]["tests"].size() == 3);  // seeds 42, 43, pooled
  CHECK(report["pairs"][0]["tests"][2]["seed"] == "pooled");
  CHECK(report["provenance"]["commit"].get<std::string>().size() >= 7);
  CHECK(report["settings"]["data_manifest_hash"].get<std::string>().size() == 16);
  const std::string md = msq::read_file(out + "/p/report/report.md");
  CHECK(md.find("| CNN | 2 |") != std::string::npos);
  CHECK(md.find("| CNN / QCNN | pooled |") != std::string::npos);
  // The cells' test sets are one split: the same slices in every run.
  auto a = nlohmann::json::parse(msq::read_file(out + "/p/axial/cnn/seed-42/test/scores.json"));
  auto b = nlohmann::json::parse(msq::read_file(out + "/p/axial/qcnn/seed-43/test/scores.json"));
  CHECK(a["ids"] == b["ids"]);

  // Rerunning the command trains nothing.
  Run again = run(cmd);
  INFO(again.output);
  REQUIRE(again.status == 0);
  CHECK(count(again.output, "done, skipped") == 4);
  CHECK(count(again.output, "[search] trial ") == 0);
  CHECK(again.output.find("epoch ") == std::string::npos);

  // A seed run that did not finish is resumed from its checkpoint, the rest is skipped.
  std::remove((out + "/p/axial/qcnn/seed-43/summary.json").c_str());
  Run resumed = run(cmd);
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(count(resumed.output, "done, skipped") == 3);
  CHECK(resumed.output.find("qcnn / axial seed 43: resuming") != std::string::npos);

  // The exported best configuration trains again with msq-train --config: the same test
  // scores as the protocol's run of that seed.
  Run best = run(kBin + "/msq-train --config " + out + "/p/axial/cnn/search/best-config.json --seed 42 --out " + out + "/best");
  INFO(best.output);
  REQUIRE(best.status == 0);
  auto c = nlohmann::json::parse(msq::read_file(out + "/best/test/scores.json"));
  CHECK(c["scores"] == a["scores"]);
}

TEST_CASE("msq-train --search alone exports a configuration; a bad search space is refused") {
  const std::string out = "/tmp/msq-search-test-" + std::to_string(::getpid());
  std::system(("rm -rf '" + out + "' && mkdir -p '" + out + "'").c_str());
  msq::write_file_atomic(out + "/space.json", R"({"parameters": {"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": true}},
    "fixed": {"epochs": 1}})");
  Run r = run(kBin + "/msq-train --search 2 --sampler random --search-space " + out + "/space.json --image-size 32 --batch-size 32 --threads 1 --out " + out + "/s");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(exists(out + "/s/search/best-config.json"));
  CHECK(r.output.find("msq-train --config " + out + "/s/search/best-config.json") != std::string::npos);
  auto cfg = nlohmann::json::parse(msq::read_file(out + "/s/search/best-config.json"));
  CHECK(cfg["epochs"] == 1);
  CHECK(cfg["split"] == out + "/s/split.json");

  msq::write_file_atomic(out + "/bad.json", R"({"parameters": {"lr": {"type": "float", "low": 0, "high": 1, "log": true}}})");
  Run bad = run(kBin + "/msq-train --search 2 --search-space " + out + "/bad.json --image-size 32 --out " + out + "/b");
  CHECK(bad.status != 0);
  CHECK(bad.output.find("[search-space]") != std::string::npos);
  CHECK(bad.output.find("a log parameter needs low > 0") != std::string::npos);
}

TEST_CASE("two processes running one protocol share its trials and seed runs") {
  const std::string out = "/tmp/msq-protocol-pair-test-" + std::to_string(::getpid());
  std::system(("rm -rf '" + out + "' && mkdir -p '" + out + "'").c_str());
  msq::write_file_atomic(out + "/space.json", R"({"parameters": {"lr": {"type": "float", "low": 3e-4, "high": 3e-3, "log": true}},
    "fixed": {"epochs": 1}})");
  const std::string common = kBin + "/msq-train --protocol --models cnn --planes sagittal --search-space " + out +
                             "/space.json --image-size 32 --batch-size 32 --threads 1 --bootstrap 100 --out " + out + "/p";
  const std::string cmd = common + " --seeds 2 --search 3";
  // The split and the synthetic data are made first (as a SLURM array's first step would).
  REQUIRE(std::system((common + " --seeds 1 --search 1 > /dev/null 2>&1").c_str()) == 0);
  std::system(("rm -rf '" + out + "/p/sagittal/cnn'").c_str());
  const int status = std::system(("(" + cmd + " > " + out + "/a.log 2>&1 & " + cmd + " > " + out + "/b.log 2>&1; wait)").c_str());
  REQUIRE(status == 0);
  const std::string a = msq::read_file(out + "/a.log"), b = msq::read_file(out + "/b.log");
  INFO(a);
  INFO(b);
  CHECK(a.find("protocol report") != std::string::npos);
  CHECK(b.find("protocol report") != std::string::npos);
  // Three trials in all, each run by one process; each seed trained once.
  const std::string trials = msq::read_file(out + "/p/sagittal/cnn/search/trials.csv");
  CHECK(count(trials, ",complete,") == 3);
  CHECK(count(a + b, "seed 42: training") == 1);
  CHECK(count(a + b, "seed 43: training") == 1);
  auto report = nlohmann::json::parse(msq::read_file(out + "/p/report/report.json"));
  CHECK(report["cells"][0]["seeds"] == nlohmann::json::array({42, 43}));
}
