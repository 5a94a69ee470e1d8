// msq-forward (tools/msq-forward): a model's weights and an input written as .msqw, the tool
// run on them with a JSON config, its logits equal to the in-process eval forward. Skips
// when the tool is not built (it is part of the default build).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/msq.h"
#include "models/models.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;

TEST_CASE("msq-forward writes the logits of the configured model") {
  namespace fs = std::filesystem;
  fs::path tool = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" /
                  "msq-forward" / "msq-forward";
  if (!fs::exists(tool)) {
    test::skip("msq-forward is not built (" + tool.string() + ")");
    return;
  }
  const std::string dir = test::scratch_dir("forward-tool");
  models::ModelConfig c;
  c.architecture = "qcnn";
  c.input_height = 20;
  c.input_width = 16;
  c.dense = {2, 8, 0.5};
  c.quantum = {3, 2};
  manual_seed(5);
  auto model = models::build_model(c);
  save_weights(dir + "/w.msqw", model->state_dict());
  Tensor x = rand({2, 3, 20, 16});
  save_weights(dir + "/x.msqw", {{"image", x}});
  std::ofstream(dir + "/config.json") << c.to_json();

  const std::string cmd = tool.string() + " --config " + dir + "/config.json --weights " + dir +
                          "/w.msqw --input " + dir + "/x.msqw --input-name image --output " +
                          dir + "/y.msqw 2> " + dir + "/log.txt";
  REQUIRE(std::system(cmd.c_str()) == 0);
  WeightsFile out = load_weights(dir + "/y.msqw");
  model->eval();
  NoGradGuard no_grad;
  test::check_close(out.at("logits"), model->forward(x), 1e-6, 1e-7, "msq-forward logits");
  CHECK(out.metadata_json.find("\"qcnn\"") != std::string::npos);

  // A wrong input size is an error with the op's name, and a non-zero exit.
  Tensor bad = rand({1, 3, 24, 16});
  save_weights(dir + "/bad.msqw", {{"x", bad}});
  const std::string bad_cmd = tool.string() + " --config " + dir + "/config.json --input " + dir +
                              "/bad.msqw --output " + dir + "/z.msqw 2> " + dir + "/bad.txt";
  CHECK(std::system(bad_cmd.c_str()) != 0);
  std::ifstream log(dir + "/bad.txt");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("[Cnn]") != std::string::npos);
  std::filesystem::remove_all(dir);
}
