#include "apps/common/data_setup.h"

#include <sys/stat.h>

#include <cstdio>

#include "engine/data/duplicates.h"
#include "engine/data/image.h"
#include "engine/data/scan.h"
#include "engine/data/split.h"
#include "engine/data/synthetic.h"

namespace msq::apps {

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Removes (with a warning each, and a count) the samples whose image cannot be decoded, and
// records them in the manifest (and so in split.json and summary.json).
void drop_unreadable(data::Dataset& ds, std::vector<data::SkippedFile>& skipped) {
  std::vector<data::Sample> kept;
  int64_t dropped = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(ds.samples.size()); ++i) {
    try {
      data::read_image_u8(ds.file_path(i));
      kept.push_back(ds.samples[i]);
    } catch (const std::exception& e) {
      ++dropped;
      skipped.push_back({ds.samples[i].path, e.what()});
      std::fprintf(stderr, "[msq] warning: skipping unreadable image: %s\n", e.what());
    }
  }
  if (dropped == 0) return;
  for (auto& s : kept) s.duplicate_of = -1;
  ds.samples = kept;
  data::mark_duplicates(ds);
  std::fprintf(stderr, "[msq] skipped %lld unreadable image(s)\n", (long long)dropped);
}

}  // namespace

std::string synthetic_root(const train::TrainConfig& config) { return config.out + "/synthetic-data"; }

data::SplitManifest prepare_split(const train::TrainConfig& config) {
  data::SplitManifest manifest;
  std::string split_file = config.split;
  if (split_file.empty() && config.resume && exists(config.out + "/split.json")) {
    split_file = config.out + "/split.json";  // a resumed run keeps its split
  }
  if (!split_file.empty()) {
    manifest = data::read_split_manifest(split_file, {config.data, true, false});
  } else {
    std::string root = config.data;
    if (root.empty()) {
      root = synthetic_root(config);
      if (!exists(root + "/MS Axial_crop")) {
        data::SyntheticOptions o;
        o.seed = config.seed;
        int64_t n = data::write_synthetic_dataset(root, o);
        std::fprintf(stderr, "[msq] no --data: generated the embedded synthetic MS dataset (%lld slices) in %s\n",
                     (long long)n, root.c_str());
      }
    }
    data::ScanOptions scan;
    scan.plane = config.plane;
    manifest.dataset = data::scan_dataset(root, scan);
    if (config.skip_bad_images) drop_unreadable(manifest.dataset, manifest.skipped);
    manifest.split.seed = config.seed;
    manifest.split.subject_aware = config.subject_aware;
    data::split_dataset(manifest.dataset, manifest.split);
  }
  data::write_split_manifest(config.out + "/split.json", manifest);
  std::fprintf(stderr, "[msq] %s\n", data::split_summary(manifest.dataset).c_str());
  return manifest;
}

data::LoaderOptions loader_options(const train::TrainConfig& config, bool training) {
  data::LoaderOptions o;
  o.batch_size = config.batch_size;
  o.shuffle = training;
  o.seed = config.seed;
  o.threads = config.threads;
  o.image_size = config.image_size;
  o.imagenet_normalize = config.imagenet_normalize;
  o.augment = training && config.augment;
  o.offline_copies = training ? config.offline_copies : 0;
  o.pin_memory = Device::parse(config.device).is_cuda();
  return o;
}

}  // namespace msq::apps
