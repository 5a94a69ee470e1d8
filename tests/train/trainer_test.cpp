// The training loop: it learns, stops early, and a resumed run ends exactly where an
// uninterrupted one does; an interrupted run leaves a usable checkpoint.
#include <sys/stat.h>

#include <sstream>

#include "engine/data/loader.h"
#include "engine/io/atomic_file.h"
#include "engine/io/weights_file.h"
#include "engine/nn/nn.h"
#include "engine/train/interrupt.h"
#include "engine/train/trainer.h"
#include "engine/core/precision.h"
#include "test_support.h"
#include "toy_images.h"

using namespace msq;
using msq::testing::toy_items;
using msq::testing::toy_mlp;

namespace {

train::TrainConfig toy_config(const std::string& out, int64_t epochs) {
  train::TrainConfig c;
  c.out = out;
  c.epochs = epochs;
  c.lr = 3e-3;
  c.l2 = 1e-4;
  c.patience = 50;
  c.image_size = 16;
  return c;
}

}  // namespace

TEST_CASE("the loop learns a toy problem and writes checkpoints and logs") {
  manual_seed(1);
  auto model = toy_mlp(0.2);
  data::BatchLoader train_loader(toy_items(64, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader val_loader(toy_items(32, 2), msq::testing::toy_loader_options(false));
  std::string out = test::fresh_dir("trainer-test", "learn");
  train::Trainer trainer(*model, toy_config(out, 8));
  train::FitResult r = trainer.fit(train_loader, val_loader);
  REQUIRE(r.history.size() == 8);
  CHECK(r.history.back().val_accuracy > 0.95);
  CHECK(r.history.back().train_loss < r.history.front().train_loss);
  CHECK(r.best_epoch >= 1);
  WeightsFile best = load_weights(out + "/best.msqw");
  CHECK(best.contains("1.weight"));
  WeightsFile last = load_weights(out + "/last.msqw");
  CHECK(last.contains("optimizer/0.0.exp_avg"));
  CHECK(read_file(out + "/log.csv").find("epoch,train_loss") == 0);
  // The model ends with the best state.
  train::Predictions p = train::predict(*model, val_loader, Device::cpu());
  CHECK(p.loss == doctest::Approx(r.best_val_loss).epsilon(1e-6));
}

TEST_CASE("resuming gives the same final state as an uninterrupted run") {
  auto run = [](const std::string& out, int64_t epochs, bool resume) {
    manual_seed(5);
    auto model = toy_mlp(0.2);
    data::BatchLoader tl(toy_items(48, 1), msq::testing::toy_loader_options(true));
    data::BatchLoader vl(toy_items(16, 2), msq::testing::toy_loader_options(false));
    train::TrainConfig c = toy_config(out, epochs);
    c.resume = resume;
    train::Trainer(*model, c).fit(tl, vl);
    return model->state_dict();
  };
  std::string a = test::fresh_dir("trainer-test", "full"), b = test::fresh_dir("trainer-test", "resumed");
  auto full = run(a, 5, false);
  run(b, 3, false);                 // "interrupted" after epoch 3 ...
  auto resumed = run(b, 5, true);   // ... and continued to 5
  REQUIRE(full.size() == resumed.size());
  for (size_t i = 0; i < full.size(); ++i) {
    CAPTURE(full[i].first);
    CHECK(full[i].second.to_vector<double>() == resumed[i].second.to_vector<double>());
  }
  // The logs agree on every metric (timings aside): the first six columns of each row.
  auto metrics_only = [](const std::string& csv) {
    std::string out, line;
    std::stringstream in(csv);
    while (std::getline(in, line)) {
      size_t cut = 0;
      for (int commas = 0; commas < 6 && cut != std::string::npos; ++commas) cut = line.find(',', cut + 1);
      out += line.substr(0, cut) + "\n";
    }
    return out;
  };
  CHECK(metrics_only(read_file(a + "/log.csv")) == metrics_only(read_file(b + "/log.csv")));
}

TEST_CASE("early stopping ends the run once validation stops improving") {
  manual_seed(2);
  auto model = toy_mlp(0.2);
  data::BatchLoader tl(toy_items(32, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader vl(toy_items(16, 2), msq::testing::toy_loader_options(false));
  train::TrainConfig c = toy_config(test::fresh_dir("trainer-test", "early"), 200);
  c.lr = 0.05;  // overfits fast
  c.patience = 2;
  c.min_delta = 0.5;  // demands large improvements: stops soon
  train::FitResult r = train::Trainer(*model, c).fit(tl, vl);
  CHECK(r.stopped_early);
  CHECK(r.history.size() < 200);
  CHECK(static_cast<int64_t>(r.history.size()) == r.best_epoch + 2);
}

TEST_CASE("an interrupt stops after the current batch and leaves the last checkpoint usable") {
  manual_seed(4);
  auto model = toy_mlp(0.2);
  data::BatchLoader tl(toy_items(32, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader vl(toy_items(16, 2), msq::testing::toy_loader_options(false));
  std::string out = test::fresh_dir("trainer-test", "interrupt");
  int epochs_seen = 0;
  train::FitResult r = train::Trainer(*model, toy_config(out, 10)).fit(tl, vl, [&](const train::EpochRecord&) {
    if (++epochs_seen == 2) train::request_interrupt();
  });
  train::clear_interrupt();
  CHECK(r.interrupted);
  CHECK(r.history.size() == 2);
  CHECK(load_weights(out + "/last.msqw").metadata_json.find("\"epoch\":2") != std::string::npos);
}

TEST_CASE("config: JSON round trip, unknown fields and bad values are named") {
  train::TrainConfig c;
  c.model = "qcnn";
  c.lr = 0.01;
  c.model_options = R"({"n_qubits": 4})";
  train::TrainConfig d;
  d.update_from_json(c.to_json(), "c.json");
  CHECK(d.model == "qcnn");
  CHECK(d.lr == 0.01);
  CHECK(d.model_options == R"({"n_qubits":4})");
  CHECK_THROWS_WITH_AS(d.update_from_json(R"({"learning_rate": 1})", "x.json"),
                       doctest::Contains("'x.json': unknown field 'learning_rate'"), Error);
  CHECK_THROWS_WITH_AS(d.update_from_json(R"({"epochs": "ten"})", "x.json"),
                       doctest::Contains("field 'epochs' has the wrong type"), Error);
  d.plane = "coronal";
  CHECK_THROWS_WITH_AS(d.validate(), doctest::Contains("plane must be axial or sagittal, got 'coronal'"), Error);
}

TEST_CASE("config: the CUDA settings round-trip and reach the engine (no GPU needed)") {
  train::TrainConfig c;
  CHECK_FALSE(c.deterministic);
  CHECK(c.cuda_tf32);
  c.deterministic = true;
  c.cuda_tf32 = false;
  train::TrainConfig d;
  d.update_from_json(c.to_json(), "c.json");
  CHECK(d.deterministic);
  CHECK_FALSE(d.cuda_tf32);
  const bool tf32 = cuda_conv_tf32(), det = cuda_deterministic();
  auto model = toy_mlp(0.2);
  train::Trainer trainer(*model, d);  // applies them (only ever tightening)
  CHECK(cuda_deterministic());
  CHECK_FALSE(cuda_conv_tf32());
  set_cuda_conv_tf32(tf32);
  set_cuda_deterministic(det);
}

TEST_CASE("config: --precision bf16 round-trips, reaches the engine, and rejects other values") {
  train::TrainConfig c;
  CHECK(c.precision == "fp32");
  c.precision = "bf16";
  train::TrainConfig d;
  d.update_from_json(c.to_json(), "c.json");
  CHECK(d.precision == "bf16");
  const bool bf16 = cuda_bf16();
  set_cuda_bf16(false);
  auto model = toy_mlp(0.2);
  train::Trainer trainer(*model, d);
  CHECK(cuda_bf16());
  set_cuda_bf16(bf16);
  d.precision = "fp16";
  CHECK_THROWS_WITH_AS(d.validate(), doctest::Contains("precision must be fp32 or bf16, got 'fp16'"), Error);
}

TEST_CASE("the epoch records carry the peak device memory per step (0 on the CPU)") {
  manual_seed(2);
  auto model = toy_mlp(0.2);
  data::BatchLoader tl(toy_items(16, 1), msq::testing::toy_loader_options(true));
  data::BatchLoader vl(toy_items(8, 2), msq::testing::toy_loader_options(false));
  std::string out = test::fresh_dir("trainer-test", "peak");
  train::FitResult r = train::Trainer(*model, toy_config(out, 1)).fit(tl, vl);
  REQUIRE(r.history.size() == 1);
  CHECK(r.history[0].peak_step_memory_mib == 0);
  CHECK(read_file(out + "/log.jsonl").find("\"peak_step_memory_mib\":0") != std::string::npos);
}
