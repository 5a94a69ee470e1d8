// msq-forward: runs a registered model forward in eval mode on an input tensor stored in an
// .msqw file and writes the logits to an .msqw file, so that parity with another framework
// can be checked outside the test suite. Usage and an example: tools/msq-forward/README.md.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/msq.h"
#include "engine/nn/load_weights.h"
#include "models/models.h"

using namespace msq;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  check(bool(f), "msq-forward", "cannot open ", path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run a model forward (eval mode) on an .msqw input; write the logits as .msqw."};
  std::string model_name, config_path, weights_path, input_path, output_path;
  std::string input_name = "x", output_name = "logits", head = "";
  int64_t num_classes = 0;
  bool partial = false, list = false;
  std::vector<std::string> skip;
  app.add_option("--model", model_name, "registered name (defaults of models/registry.h)");
  app.add_option("--config", config_path, "a ModelConfig JSON file (instead of --model)");
  app.add_option("--head", head, "with --model: dense (the study's) or torchvision");
  app.add_option("--num-classes", num_classes, "with --model: outputs of the head");
  app.add_option("--weights", weights_path, "an .msqw weights file (tools/convert_torchvision.py)");
  app.add_option("--input", input_path, "an .msqw file holding the input [B, 3, H, W]");
  app.add_option("--input-name", input_name, "the input tensor's name in --input (default x)");
  app.add_option("--output", output_path, "where to write the logits (.msqw)");
  app.add_option("--output-name", output_name, "the logits tensor's name (default logits)");
  app.add_flag("--partial", partial, "load what matches instead of requiring a complete load");
  app.add_option("--skip", skip, "weight-name prefixes not to load (e.g. fc. for a new head)");
  app.add_flag("--list", list, "print the registered model names and exit");
  CLI11_PARSE(app, argc, argv);

  try {
    if (list) {
      for (const auto& n : models::registered_models()) std::cout << n << "\n";
      return 0;
    }
    check(model_name.empty() != config_path.empty(), "msq-forward",
          "give exactly one of --model and --config");
    check(!input_path.empty() && !output_path.empty(), "msq-forward",
          "--input and --output are required");
    models::ModelConfig config;
    if (!config_path.empty()) {
      config = models::ModelConfig::from_json(read_text(config_path));
    } else {
      config.architecture = model_name;
      if (!head.empty()) config.head = head;
      if (num_classes > 0) config.num_classes = num_classes;
    }
    auto model = models::build_model(config);
    if (!weights_path.empty()) {
      nn::LoadOptions lo;
      lo.strict = !partial;
      lo.skip_prefixes = skip;
      nn::LoadReport report = nn::load_weights_file(*model, weights_path, lo);
      std::cerr << report.summary() << "\n";
    } else {
      std::cerr << "msq-forward: no --weights: running the random initialisation\n";
    }
    model->eval();
    WeightsFile in = load_weights(input_path);
    Tensor x = in.at(input_name).to(DType::Float32);
    Tensor y;
    {
      NoGradGuard no_grad;
      y = model->forward(x);
    }
    std::string meta = R"({"format": "msqw", "producer": "msq-forward", "config": )" +
                       config.to_json() + "}";
    save_weights(output_path, {{output_name, y}}, meta);
    std::cerr << "msq-forward: " << config.architecture << " " << shape_str(x.shape()) << " -> "
              << shape_str(y.shape()) << ", wrote " << output_path << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
