#include "engine/train/config.h"

#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace msq::train {

namespace {

using nlohmann::json;

// One table of fields: name, and how to read/write it.
template <class F>
void for_each_field(TrainConfig& c, F&& f) {
  f("model", c.model);
  f("model_options", c.model_options);
  f("pretrained", c.pretrained);
  f("data", c.data);
  f("plane", c.plane);
  f("split", c.split);
  f("subject_aware", c.subject_aware);
  f("image_size", c.image_size);
  f("imagenet_normalize", c.imagenet_normalize);
  f("augment", c.augment);
  f("offline_copies", c.offline_copies);
  f("skip_bad_images", c.skip_bad_images);
  f("optimizer", c.optimizer);
  f("lr", c.lr);
  f("l2", c.l2);
  f("weight_decay", c.weight_decay);
  f("momentum", c.momentum);
  f("batch_size", c.batch_size);
  f("epochs", c.epochs);
  f("patience", c.patience);
  f("min_delta", c.min_delta);
  f("schedule", c.schedule);
  f("max_batches", c.max_batches);
  f("device", c.device);
  f("deterministic", c.deterministic);
  f("cuda_tf32", c.cuda_tf32);
  f("precision", c.precision);
  f("cuda_graph", c.cuda_graph);
  f("seed", c.seed);
  f("threads", c.threads);
  f("out", c.out);
  f("resume", c.resume);
}

}  // namespace

std::string TrainConfig::to_json() const {
  json j = json::object();
  TrainConfig copy = *this;
  for_each_field(copy, [&](const char* name, auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, std::string>) {
      if (std::string(name) == "model_options") {
        j[name] = json::parse(value.empty() ? "{}" : value);
        return;
      }
    }
    j[name] = value;
  });
  return j.dump(2);
}

void TrainConfig::update_from_json(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    fail("config", "'", origin, "' is not valid JSON: ", e.what());
  }
  check(j.is_object(), "config", "'", origin, "' must hold a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for_each_field(*this, [&](const char* name, auto& value) {
      if (it.key() != name) return;
      known = true;
      using T = std::decay_t<decltype(value)>;
      try {
        if constexpr (std::is_same_v<T, std::string>) {
          if (std::string(name) == "model_options") {
            check(it.value().is_object(), "config", "'", origin, "': model_options must be an object");
            value = it.value().dump();
            return;
          }
        }
        value = it.value().template get<T>();
      } catch (const json::exception& e) {
        fail("config", "'", origin, "': field '", name, "' has the wrong type (", e.what(), ")");
      }
    });
    check(known, "config", "'", origin, "': unknown field '", it.key(), "'");
  }
}

bool TrainConfig::is_field(const std::string& name) {
  TrainConfig c;
  bool found = false;
  for_each_field(c, [&](const char* field, auto&) { found = found || name == field; });
  return found;
}

void TrainConfig::validate() const {
  check(plane == "axial" || plane == "sagittal", "config", "plane must be axial or sagittal, got '", plane, "'");
  check(optimizer == "adam" || optimizer == "adamw" || optimizer == "sgd", "config",
        "optimizer must be adam, adamw or sgd, got '", optimizer, "'");
  check(precision == "fp32" || precision == "bf16", "config", "precision must be fp32 or bf16, got '",
        precision, "'");
  check(schedule == "none" || schedule == "step" || schedule == "cosine" || schedule == "plateau",
        "config", "schedule must be none, step, cosine or plateau, got '", schedule, "'");
  check(lr > 0, "config", "lr must be > 0, got ", lr);
  check(l2 >= 0 && weight_decay >= 0, "config", "l2 and weight_decay must be >= 0");
  check(batch_size > 0, "config", "batch_size must be > 0, got ", batch_size);
  check(epochs > 0, "config", "epochs must be > 0, got ", epochs);
  check(patience > 0, "config", "patience must be > 0, got ", patience);
  check(image_size >= 16, "config", "image_size must be >= 16, got ", image_size);
  check(offline_copies >= 0 && max_batches >= 0 && threads >= 0, "config",
        "offline_copies, max_batches and threads must be >= 0");
  check(!out.empty(), "config", "out must name a folder");
}

}  // namespace msq::train
