// msq-train and msq-eval end to end, as a user runs them: the embedded synthetic dataset,
// checkpoints, resume, evaluation files, and the errors for bad input.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "engine/io/atomic_file.h"
#include "app_runner.h"
#include "test_support.h"

namespace {

const std::string kBin = msq::test::kAppsDir;
using Run = msq::test::AppRun;

Run run(const std::string& args) { return msq::test::run_app(args, "apps-test"); }
bool exists(const std::string& p) { return msq::test::path_exists(p); }

// A quick run on the embedded synthetic data: small images, few epochs.
std::string quick_train(const std::string& out, const std::string& extra = "", int epochs = 2) {
  return kBin + "/msq-train --out " + out + " --image-size 32 --epochs " + std::to_string(epochs) +
         " --batch-size 32 --threads 1 " + extra;
}

}  // namespace

TEST_CASE("msq-train on the embedded dataset writes checkpoints, logs, split and metrics") {
  std::string out = msq::test::fresh_dir("apps-test", "train");
  Run r = run(quick_train(out));
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const char* f : {"best.msqw", "last.msqw", "log.csv", "log.jsonl", "split.json", "config.json", "summary.json",
                        "test/metrics.json", "test/predictions.csv", "test/roc.csv", "test/roc.png", "val/metrics.json"}) {
    CHECK_MESSAGE(exists(out + "/" + f), f);
  }
  auto summary = nlohmann::json::parse(msq::read_file(out + "/summary.json"));
  CHECK(summary["test"]["num_samples"].get<int>() == 60);
  CHECK(summary["config"]["model"] == "cnn");
  CHECK(r.output.find("epoch   2") != std::string::npos);

  // msq-eval on the saved test split gives the metrics msq-train wrote.
  std::string eval_out = out + "/eval";
  Run e = run(kBin + "/msq-eval --checkpoint " + out + "/best.msqw --split " + out + "/split.json --subset test --out " + eval_out);
  INFO(e.output);
  REQUIRE(e.status == 0);
  auto a = nlohmann::json::parse(msq::read_file(out + "/test/metrics.json"));
  auto b = nlohmann::json::parse(msq::read_file(eval_out + "/metrics.json"));
  CHECK(a["accuracy"].get<double>() == doctest::Approx(b["accuracy"].get<double>()));
  CHECK(e.output.find("accuracy") != std::string::npos);

  // Single images print their probabilities.
  Run s = run(kBin + "/msq-eval --checkpoint " + out + "/best.msqw --image '" + out + "/synthetic-data/MS Axial_crop/A1 (1).png'");
  CHECK(s.status == 0);
  CHECK(s.output.find("A1 (1).png") != std::string::npos);
}

TEST_CASE("a resumed msq-train run ends with the same weights as an uninterrupted one") {
  std::string a = msq::test::fresh_dir("apps-test", "full"), b = msq::test::fresh_dir("apps-test", "resumed");
  REQUIRE(run(quick_train(a, "--patience 10", 3)).status == 0);
  REQUIRE(run(quick_train(b, "--patience 10", 2)).status == 0);
  Run r = run(quick_train(b, "--patience 10 --resume", 3));
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("resuming") != std::string::npos);
  std::string fa = msq::read_file(a + "/last.msqw"), fb = msq::read_file(b + "/last.msqw");
  // The metadata holds timings; compare the tensors.
  auto ta = msq::parse_weights(fa, "a"), tb = msq::parse_weights(fb, "b");
  REQUIRE(ta.tensors.size() == tb.tensors.size());
  for (size_t i = 0; i < ta.tensors.size(); ++i) {
    CAPTURE(ta.tensors[i].first);
    CHECK(ta.tensors[i].second.to_vector<double>() == tb.tensors[i].second.to_vector<double>());
  }
}

TEST_CASE("bad input: clear errors and non-zero exits") {
  std::string out = msq::test::fresh_dir("apps-test", "bad");
  Run unknown = run(quick_train(out, "--model resnet5"));
  CHECK(unknown.status != 0);
  CHECK(unknown.output.find("resnet5") != std::string::npos);

  std::string empty = msq::test::fresh_dir("apps-test", "empty-data");
  std::system(("mkdir -p '" + empty + "'").c_str());
  Run no_data = run(quick_train(out, "--data " + empty));
  CHECK(no_data.status != 0);
  CHECK(no_data.output.find(empty) != std::string::npos);

  // One class missing (only control folders).
  std::string one = msq::test::fresh_dir("apps-test", "one-class");
  std::system(("mkdir -p '" + one + "/Control Axial_crop' && cp /dev/null '" + one + "/Control Axial_crop/x.png'").c_str());
  Run one_class = run(quick_train(out, "--data " + one));
  CHECK(one_class.status != 0);

  // A corrupt image: an error naming the file, or a warning and a skip with the flag.
  std::string corrupt = msq::test::fresh_dir("apps-test", "corrupt");
  REQUIRE(run(quick_train(corrupt)).status == 0);
  std::string data = corrupt + "/synthetic-data";
  msq::write_file_atomic(data + "/MS Axial_crop/A1 (2).png", "not a png");
  Run bad_image = run(quick_train(msq::test::fresh_dir("apps-test", "corrupt2"), "--data " + data));
  CHECK(bad_image.status != 0);
  CHECK(bad_image.output.find("A1 (2).png") != std::string::npos);
  const std::string skipped_out = msq::test::fresh_dir("apps-test", "corrupt3");
  Run skipped = run(quick_train(skipped_out, "--data " + data + " --skip-bad-images", 1));
  CHECK(skipped.status == 0);
  CHECK(skipped.output.find("skipped 1 unreadable image") != std::string::npos);
  auto skipped_summary = nlohmann::json::parse(msq::read_file(skipped_out + "/summary.json"));
  CHECK(skipped_summary["skipped_images"]["count"] == 1);
  CHECK(skipped_summary["skipped_images"]["files"][0]["path"] == "MS Axial_crop/A1 (2).png");
  auto skipped_split = nlohmann::json::parse(msq::read_file(skipped_out + "/split.json"));
  CHECK(skipped_split["skipped"].size() == 1);

  // A checkpoint of another model.
  Run other = run(kBin + "/msq-eval --checkpoint " + corrupt + "/best.msqw --model qcnn --image '" + data + "/MS Axial_crop/A1 (1).png'");
  CHECK(other.status != 0);
  CHECK(other.output.find("is a checkpoint of model 'cnn', not 'qcnn'") != std::string::npos);
  // A file that is not a checkpoint.
  Run not_ckpt = run(kBin + "/msq-eval --checkpoint " + corrupt + "/log.csv --image x.png");
  CHECK(not_ckpt.status != 0);
  CHECK(not_ckpt.output.find("not an .msqw file") != std::string::npos);
}

TEST_CASE("msq-train --cuda-graph: listed in --help, a clear error on a CPU device") {
  Run help = run(kBin + "/msq-train --help");
  CHECK(help.status == 0);
  CHECK(help.output.find("--cuda-graph") != std::string::npos);
  Run cpu = run(quick_train(msq::test::fresh_dir("apps-test", "cuda-graph-cpu"), "--cuda-graph --device cpu", 1));
  CHECK(cpu.status != 0);
  CHECK(cpu.output.find("cuda_graph (--cuda-graph) needs a CUDA device; device 'cpu'") != std::string::npos);
}
