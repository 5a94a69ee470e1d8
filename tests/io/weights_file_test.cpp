// The .msqw format: round trips, every kind of damage gives a clear error, and files
// written by tools/msqw.py (Python) read back here and vice versa.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "engine/io/atomic_file.h"
#include "engine/io/crc32.h"
#include "engine/io/weights_file.h"
#include "test_support.h"

using namespace msq;

namespace {

NamedTensorList sample_tensors() {
  manual_seed(11);
  return {{"features.0.weight", randn({4, 3, 3, 3})},
          {"features.0.bias", randn({4}, DType::Float64)},
          {"bn.num_batches_tracked", scalar_tensor(7, DType::Int64)},
          {"image", from_vector<uint8_t>({0, 127, 255}, {3})},
          {"mask", gt(randn({5}), 0.0)},
          {"empty", zeros({0, 4})}};
}

std::string temp_path(const std::string& name) { return "/tmp/msq_weights_test_" + name; }

void expect_error(const std::string& bytes, const std::string& fragment) {
  CHECK_THROWS_WITH_AS(parse_weights(bytes, "bad.msqw"), doctest::Contains(fragment.c_str()), Error);
}

}  // namespace

TEST_CASE("crc32 matches the standard check value") {
  CHECK(crc32(0, "123456789", 9) == 0xCBF43926u);
  CHECK(crc32(crc32(0, "12345", 5), "6789", 4) == 0xCBF43926u);
}

TEST_CASE("round trip: every dtype, 0-dim and empty tensors, metadata, order") {
  NamedTensorList in = sample_tensors();
  std::string path = temp_path("roundtrip.msqw");
  save_weights(path, in, R"({"producer": "test", "epoch": 3})");
  WeightsFile f = load_weights(path);
  CHECK(f.metadata_json == R"({"producer": "test", "epoch": 3})");
  REQUIRE(f.tensors.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(f.tensors[i].first == in[i].first);
    CHECK(f.tensors[i].second.dtype() == in[i].second.dtype());
    CHECK(f.tensors[i].second.shape() == in[i].second.shape());
    CHECK(f.tensors[i].second.to_vector<double>() == in[i].second.to_vector<double>());
  }
  CHECK(f.contains("features.0.bias"));
  CHECK_THROWS_WITH_AS(f.at("classifier.weight"), doctest::Contains("no tensor named 'classifier.weight'"), Error);
  std::remove(path.c_str());
}

TEST_CASE("damaged files fail with a message naming the file and the field") {
  std::string good = serialize_weights(sample_tensors(), "{}");
  expect_error(good.substr(0, 6), "'bad.msqw': truncated file: magic");
  expect_error(good.substr(0, 40), "truncated file");
  expect_error(good.substr(0, good.size() - 10), "runs past the end of the file");
  std::string magic = good;
  magic[1] = 'X';
  expect_error(magic, "not an .msqw file (wrong magic)");
  std::string version = good;
  version[8] = 2;
  expect_error(version, "unsupported version 2");
  // Flip one byte in the middle of the data: its tensor's checksum must catch it.
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  CHECK_THROWS_WITH_AS(parse_weights(flipped, "bad.msqw"), doctest::Contains("checksum mismatch"), Error);
  std::string header = good;
  header[30] ^= 0x01;  // inside the metadata/header
  CHECK_THROWS_AS(parse_weights(header, "bad.msqw"), Error);
}

TEST_CASE("an unknown dtype code is reported even with a valid checksum") {
  // Write a file, patch the dtype byte of the only tensor, then fix the header checksum.
  std::string bytes = serialize_weights({{"w", ones({2})}}, "{}");
  size_t name_at = bytes.find("w", 24 + 2 + 8 + 4);
  bytes[name_at + 1] = 9;  // dtype code
  CHECK_THROWS_WITH_AS(parse_weights(bytes, "bad.msqw"), doctest::Contains("tensor 'w': unknown dtype code 9"), Error);
}

TEST_CASE("bad input to the writer") {
  CHECK_THROWS_WITH_AS(serialize_weights({{"a", ones({1})}, {"a", ones({1})}}, "{}"), doctest::Contains("tensor name 'a' is repeated"), Error);
  CHECK_THROWS_WITH_AS(serialize_weights({{"", ones({1})}}, "{}"), doctest::Contains("must have 1 to 4096 bytes"), Error);
  CHECK_THROWS_WITH_AS(serialize_weights({{"a", ones({1})}}, "[1]"), doctest::Contains("metadata must be a JSON object"), Error);
  CHECK_THROWS_WITH_AS(load_weights("/nonexistent/w.msqw"), doctest::Contains("cannot open '/nonexistent/w.msqw'"), Error);
}

TEST_CASE("atomic writes replace the file whole and leave no temporary behind") {
  std::string path = temp_path("atomic.bin");
  write_file_atomic(path, "first");
  write_file_atomic(path, "second version");
  CHECK(read_file(path) == "second version");
  std::ifstream tmp(path + ".tmp-" + std::to_string(::getpid()));
  CHECK_FALSE(tmp.good());
  CHECK_THROWS_WITH_AS(write_file_atomic("/nonexistent-dir/x.bin", "x"), doctest::Contains("cannot create"), Error);
  std::remove(path.c_str());
}

TEST_CASE("interoperates with tools/msqw.py") {
  if (std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") != 0) {
    test::skip("python3 with numpy is not available");
    return;
  }
  std::string cpp_file = temp_path("from_cpp.msqw"), py_file = temp_path("from_py.msqw");
  save_weights(cpp_file, sample_tensors(), R"({"producer": "cpp"})");
  std::string cmd =
      "cd tools && /usr/bin/python3 -c \"import msqw, numpy as np; t, m = msqw.load('" + cpp_file +
      "'); assert m['producer'] == 'cpp'; t['extra'] = np.arange(6, dtype=np.float32).reshape(2, 3); "
      "msqw.save('" + py_file + "', t, {'producer': 'py'})\"";
  REQUIRE(std::system(cmd.c_str()) == 0);
  WeightsFile f = load_weights(py_file);
  CHECK(f.metadata_json == R"({"producer": "py"})");
  NamedTensorList in = sample_tensors();
  for (const auto& [name, t] : in) CHECK(f.at(name).to_vector<double>() == t.to_vector<double>());
  CHECK(f.at("extra").to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4, 5});
  CHECK(f.at("mask").dtype() == DType::Bool);
  std::remove(cpp_file.c_str());
  std::remove(py_file.c_str());
}
