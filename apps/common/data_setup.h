// The data side of a run: the dataset (real or the embedded synthetic one), its split
// (made and saved, or reused from a manifest) and the loaders.
#pragma once
#include <memory>
#include <string>

#include "engine/data/loader.h"
#include "engine/data/manifest.h"
#include "engine/train/config.h"

namespace msq::apps {

// The folder of the embedded synthetic dataset of a run (written once, then reused).
std::string synthetic_root(const train::TrainConfig& config);

// Scans config.data (or generates the synthetic dataset), splits it as configured (or
// reads config.split), and writes the manifest to <out>/split.json.
data::SplitManifest prepare_split(const train::TrainConfig& config);

data::LoaderOptions loader_options(const train::TrainConfig& config, bool training);

}  // namespace msq::apps
