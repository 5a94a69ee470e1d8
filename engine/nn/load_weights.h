// Loading named tensors (e.g. a converted .msqw file) into a module, strictly or partially,
// with a report of what matched and what did not.
#pragma once
#include <string>
#include <vector>

#include "engine/io/weights_file.h"
#include "engine/nn/module.h"

namespace msq::nn {

struct LoadOptions {
  // Strict: any missing, unexpected or shape-mismatched name is an error (after skipping).
  bool strict = true;
  // Names starting with one of these are neither loaded nor reported as missing/unexpected,
  // e.g. {"fc."} to keep a new classifier head.
  std::vector<std::string> skip_prefixes;
};

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;      // in the module, not in the source
  std::vector<std::string> unexpected;   // in the source, not in the module
  std::vector<std::string> mismatched;   // "name: source [a, b] vs module [c, d]"
  std::vector<std::string> skipped;      // matched a skip prefix
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // A few lines for logs: counts, then up to 10 names of each problem.
  std::string summary() const;
};

// Copies every matching tensor into the module (converting dtype, keeping the module's
// device). `origin` names the source in errors (e.g. the file path).
LoadReport load_weights_into(Module& module, const NamedTensorList& tensors,
                             const LoadOptions& options = {},
                             const std::string& origin = "weights");
// The same from an .msqw file.
LoadReport load_weights_file(Module& module, const std::string& path,
                             const LoadOptions& options = {});

}  // namespace msq::nn
