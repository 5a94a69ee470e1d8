// Where a result came from: the code's commit, the data, the machine and the time.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/data/manifest.h"

namespace msq::apps {

// FNV-1a 64 (hex) over "path\tbytes\thash\tlabel\tsubset\n" of every file of the manifests,
// in order: equal hashes = the same files, labels and split.
std::string data_manifest_hash(const std::vector<data::SplitManifest>& manifests);

// {"commit": git HEAD of the source tree now (or the build's commit when git or the tree
//  is absent), "build_commit", "build_dirty" (uncommitted changes when cmake ran),
//  "host", "cpu", "device", "threads" (OpenMP), "time_utc"}.
nlohmann::json provenance(const std::string& device);

// The current time as ISO 8601 UTC ("2026-01-31T12:00:00Z").
std::string utc_now();

}  // namespace msq::apps
