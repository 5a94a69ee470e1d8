#include "apps/common/model_setup.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/io/weights_file.h"
#include "engine/nn/load_weights.h"

namespace msq::apps {

using nlohmann::json;

models::ModelConfig model_config(const train::TrainConfig& config) {
  json opts = json::parse(config.model_options.empty() ? "{}" : config.model_options);
  opts["architecture"] = config.model;
  if (!opts.contains("input_height")) opts["input_height"] = config.image_size;
  if (!opts.contains("input_width")) opts["input_width"] = config.image_size;
  return models::ModelConfig::from_json(opts.dump());
}

std::shared_ptr<models::Backbone> make_model(const train::TrainConfig& config) {
  std::shared_ptr<models::Backbone> model = models::build_model(model_config(config));
  if (!config.pretrained.empty()) {
    nn::LoadOptions o;
    o.strict = false;
    o.skip_prefixes = {model->head_name() + "."};
    nn::LoadReport r = nn::load_weights_file(*model, config.pretrained, o);
    std::fprintf(stderr, "[msq] pretrained weights %s: %s\n", config.pretrained.c_str(), r.summary().c_str());
    check(r.mismatched.empty() && !r.loaded.empty(), "pretrained",
          "'", config.pretrained, "' does not fit model ", config.model, ": ", r.summary());
  } else if (config.model != "cnn" && config.model != "qcnn") {
    std::fprintf(stderr,
                 "[msq] warning: no --pretrained weights: %s starts from random initialisation "
                 "(the study used ImageNet weights; see weights/README.md)\n",
                 config.model.c_str());
  }
  model->to(Device::parse(config.device));
  return model;
}

train::TrainConfig config_from_checkpoint(const std::string& path) {
  WeightsFile f = load_weights(path);
  json meta;
  try {
    meta = json::parse(f.metadata_json);
  } catch (const std::exception& e) {
    fail("checkpoint", "'", path, "': metadata is not JSON (", e.what(), ")");
  }
  check(meta.contains("config") && meta["config"].is_object(), "checkpoint", "'", path,
        "' has no run config in its metadata (is it a converted weights file rather than a checkpoint?)");
  train::TrainConfig c;
  c.update_from_json(meta["config"].dump(), path);
  return c;
}

}  // namespace msq::apps
