// Reads the reference-tensor files that tools/nn/make_reference.py writes (format in
// tools/nn/reference_io.py), and runs that script at test time: tests that need PyTorch
// skip with a message when /usr/bin/python3 or its torch is missing.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "engine/core/tensor.h"

namespace msq::test {

using References = std::map<std::string, Tensor>;

inline References read_references(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  check(bool(in), "reference_io", "cannot open ", path);
  char magic[8];
  in.read(magic, 8);
  check(in && std::string(magic, 8) == std::string("MSQREF\0\0", 8), "reference_io", path,
        " is not a reference file");
  uint32_t version = 0, count = 0;
  in.read(reinterpret_cast<char*>(&version), 4);
  in.read(reinterpret_cast<char*>(&count), 4);
  check(version == 1, "reference_io", path, " has version ", version, ", expected 1");
  References out;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = 0, code = 0, ndim = 0;
    in.read(reinterpret_cast<char*>(&len), 4);
    std::string name(len, '\0');
    in.read(name.data(), len);
    in.read(reinterpret_cast<char*>(&code), 4);
    in.read(reinterpret_cast<char*>(&ndim), 4);
    Shape shape(ndim);
    in.read(reinterpret_cast<char*>(shape.data()), 8 * ndim);
    check(code <= 2, "reference_io", name, ": unknown dtype code ", code);
    DType dt = code == 0 ? DType::Float32 : code == 1 ? DType::Float64 : DType::Int64;
    Tensor t = Tensor::empty(shape, dt);
    in.read(static_cast<char*>(t.raw_data()), std::streamsize(t.numel() * dtype_size(dt)));
    check(bool(in), "reference_io", path, " is truncated at '", name, "'");
    out.emplace(name, t);
  }
  return out;
}

// Generates `file` with `/usr/bin/python3 tools/nn/<script> <dir>` into a folder next to
// the test executable (once per run) and reads it. Returns false, with the reason in
// `why`, when python3 or torch is unavailable.
inline bool load_torch_references(const std::string& script, const std::string& file,
                                  References& out, std::string& why) {
  namespace fs = std::filesystem;
  const char* python = "/usr/bin/python3";
  if (!fs::exists(python)) {
    why = "no /usr/bin/python3: PyTorch references unavailable";
    return false;
  }
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0) {
    why = "python3 has no torch module: PyTorch references unavailable";
    return false;
  }
  fs::path dir = fs::read_symlink("/proc/self/exe").parent_path() / "nn_reference";
  fs::create_directories(dir);
  std::string cmd = std::string(python) + " tools/nn/" + script + " " + dir.string();
  if (std::system(cmd.c_str()) != 0) {
    why = "the reference script failed: " + cmd;
    return false;
  }
  out = read_references((dir / file).string());
  return true;
}

}  // namespace msq::test
