// Building the model a run describes, and loading pretrained or checkpoint weights into it.
#pragma once
#include <memory>
#include <string>

#include "engine/train/config.h"
#include "models/registry.h"

namespace msq::apps {

// The model config of a run: config.model is the architecture, config.model_options adds
// the rest (dense stack, qubits, freezing...), config.image_size the input size.
models::ModelConfig model_config(const train::TrainConfig& config);

// Builds the model (seeded by the caller), loads --pretrained weights partially (the head
// skipped, a report printed), and moves it to the run's device.
std::shared_ptr<models::Backbone> make_model(const train::TrainConfig& config);

// The run config stored in a checkpoint's metadata (best.msqw / last.msqw); errors name
// the file.
train::TrainConfig config_from_checkpoint(const std::string& path);

}  // namespace msq::apps
