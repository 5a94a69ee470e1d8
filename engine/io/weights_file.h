// Reading and writing `.msqw` files of named tensors (weights/FORMAT.md).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"

namespace msq {

using NamedTensorList = std::vector<std::pair<std::string, Tensor>>;

struct WeightsFile {
  std::string metadata_json = "{}";  // a JSON object
  NamedTensorList tensors;           // in file order, on the CPU

  // The tensor called `name`; an error naming the file's path when absent.
  const Tensor& at(const std::string& name) const;
  bool contains(const std::string& name) const;
};

// Writes atomically (temporary file + rename). Tensors may live on any device; names must
// be unique and non-empty; metadata must be a JSON object's text.
void save_weights(const std::string& path, const NamedTensorList& tensors,
                  const std::string& metadata_json = "{}");
// Reads and validates everything (magic, version, bounds, sizes, checksums); every error
// names the file and what was wrong.
WeightsFile load_weights(const std::string& path);
// The same, from bytes already in memory (`origin` names them in errors).
WeightsFile parse_weights(const std::string& bytes, const std::string& origin);
std::string serialize_weights(const NamedTensorList& tensors, const std::string& metadata_json);

}  // namespace msq
