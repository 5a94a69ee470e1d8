#include "engine/data/manifest.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/data/file_hash.h"
#include "engine/io/atomic_file.h"

namespace msq::data {
using nlohmann::json;

std::string split_manifest_json(const SplitManifest& m) {
  const Dataset& d = m.dataset;
  json j;
  j["format"] = "msq-split-manifest";
  j["version"] = 1;
  j["root"] = d.root;
  j["layout"] = d.layout;
  j["plane"] = d.plane;
  j["classes"] = d.classes;
  j["split"] = {{"seed", m.split.seed},
                {"test_fraction", m.split.test_fraction},
                {"val_fraction", m.split.val_fraction},
                {"subject_aware", m.split.subject_aware},
                {"subject_pattern", m.subjects.pattern},
                {"ungrouped_block", m.subjects.ungrouped_block}};
  json counts = json::object();
  for (Subset s : {Subset::Train, Subset::Val, Subset::Test}) {
    std::vector<int64_t> c = d.class_counts(s);
    json per = json::object();
    for (size_t k = 0; k < c.size(); ++k) per[d.classes[k]] = c[k];
    counts[subset_name(s)] = per;
  }
  j["counts"] = counts;
  json files = json::array();
  for (const Sample& s : d.samples) {
    check(s.subset != Subset::None, "manifest", "'", s.path, "' is in no subset: split the dataset first");
    files.push_back({{"path", s.path},
                     {"label", s.label},
                     {"subset", subset_name(s.subset)},
                     {"subject", s.subject},
                     {"hash", hash_hex(s.hash)},
                     {"bytes", s.bytes},
                     {"duplicate_of", s.duplicate_of}});
  }
  j["files"] = files;
  json skipped = json::array();
  for (const SkippedFile& s : m.skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
  j["skipped"] = skipped;
  return j.dump(2) + "\n";
}

void write_split_manifest(const std::string& path, const SplitManifest& manifest) {
  write_file_atomic(path, split_manifest_json(manifest));
}

namespace {

// Field access with errors that name the manifest file and the field.
struct Reader {
  std::string file;

  const json& get(const json& obj, const std::string& key, const std::string& where) const {
    check(obj.is_object(), "manifest", "'", file, "': ", where.empty() ? "the top level" : where,
          " must be an object");
    auto it = obj.find(key);
    check(it != obj.end(), "manifest", "'", file, "': missing field ", field(where, key));
    return *it;
  }
  static std::string field(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }
  std::string str(const json& obj, const std::string& key, const std::string& where) const {
    const json& v = get(obj, key, where);
    check(v.is_string(), "manifest", "'", file, "': ", field(where, key), " must be a string, got ", v.dump());
    return v.get<std::string>();
  }
  int64_t integer(const json& obj, const std::string& key, const std::string& where) const {
    const json& v = get(obj, key, where);
    check(v.is_number_integer(), "manifest", "'", file, "': ", field(where, key), " must be an integer, got ",
          v.dump());
    return v.get<int64_t>();
  }
  double number(const json& obj, const std::string& key, const std::string& where) const {
    const json& v = get(obj, key, where);
    check(v.is_number(), "manifest", "'", file, "': ", field(where, key), " must be a number, got ", v.dump());
    return v.get<double>();
  }
  bool boolean(const json& obj, const std::string& key, const std::string& where) const {
    const json& v = get(obj, key, where);
    check(v.is_boolean(), "manifest", "'", file, "': ", field(where, key), " must be true or false, got ",
          v.dump());
    return v.get<bool>();
  }
};

}  // namespace

SplitManifest read_split_manifest(const std::string& path, const ManifestReadOptions& options) {
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::exception& e) {
    fail("manifest", "'", path, "' is not valid JSON: ", e.what());
  }
  Reader r{path};
  check(r.str(j, "format", "") == "msq-split-manifest", "manifest", "'", path,
        "': format must be \"msq-split-manifest\"");
  int64_t version = r.integer(j, "version", "");
  check(version == 1, "manifest", "'", path, "': version ", version, " is not supported (expected 1)");

  SplitManifest m;
  Dataset& d = m.dataset;
  d.root = options.data_root.empty() ? r.str(j, "root", "") : options.data_root;
  d.layout = r.str(j, "layout", "");
  d.plane = r.str(j, "plane", "");
  const json& classes = r.get(j, "classes", "");
  check(classes.is_array() && classes.size() >= 2, "manifest", "'", path,
        "': classes must be an array of at least 2 names");
  for (size_t k = 0; k < classes.size(); ++k) {
    check(classes[k].is_string(), "manifest", "'", path, "': classes[", k, "] must be a string");
    d.classes.push_back(classes[k].get<std::string>());
  }
  const json& split = r.get(j, "split", "");
  const json& seed = r.get(split, "seed", "split");
  check(seed.is_number_unsigned(), "manifest", "'", path, "': split.seed must be an integer >= 0, got ",
        seed.dump());
  m.split.seed = seed.get<uint64_t>();
  m.split.test_fraction = r.number(split, "test_fraction", "split");
  m.split.val_fraction = r.number(split, "val_fraction", "split");
  m.split.subject_aware = r.boolean(split, "subject_aware", "split");
  m.subjects.pattern = r.str(split, "subject_pattern", "split");
  m.subjects.ungrouped_block = r.integer(split, "ungrouped_block", "split");

  const json& files = r.get(j, "files", "");
  check(files.is_array() && !files.empty(), "manifest", "'", path, "': files must be a non-empty array");
  const int64_t n = static_cast<int64_t>(files.size());
  const int64_t k = static_cast<int64_t>(d.classes.size());
  for (int64_t i = 0; i < n; ++i) {
    const std::string where = "files[" + std::to_string(i) + "]";
    const json& f = files[i];
    Sample s;
    s.path = r.str(f, "path", where);
    check(!s.path.empty() && s.path[0] != '/', "manifest", "'", path, "': ", where,
          ".path must be a relative path, got '", s.path, "'");
    s.label = r.integer(f, "label", where);
    check(s.label >= 0 && s.label < k, "manifest", "'", path, "': ", where, ".label must be in [0, ", k,
          "), got ", s.label);
    const std::string subset = r.str(f, "subset", where);
    check(subset == "train" || subset == "val" || subset == "test", "manifest", "'", path, "': ", where,
          ".subset must be train, val or test, got '", subset, "'");
    s.subset = parse_subset(subset);
    s.subject = r.str(f, "subject", where);
    s.hash = parse_hash_hex(r.str(f, "hash", where), "'" + path + "': " + where + ".hash");
    s.bytes = r.integer(f, "bytes", where);
    check(s.bytes >= 0, "manifest", "'", path, "': ", where, ".bytes must be >= 0, got ", s.bytes);
    s.duplicate_of = r.integer(f, "duplicate_of", where);
    check(s.duplicate_of >= -1 && s.duplicate_of < i, "manifest", "'", path, "': ", where,
          ".duplicate_of must be -1 or an earlier file's index, got ", s.duplicate_of);
    d.samples.push_back(std::move(s));
  }
  if (j.contains("skipped")) {
    const json& skipped = j["skipped"];
    check(skipped.is_array(), "manifest", "'", path, "': skipped must be an array");
    for (size_t i = 0; i < skipped.size(); ++i) {
      const std::string where = "skipped[" + std::to_string(i) + "]";
      m.skipped.push_back({r.str(skipped[i], "path", where), r.str(skipped[i], "reason", where)});
    }
  }
  if (options.check_files || options.verify_hashes) {
    for (int64_t i = 0; i < n; ++i) {
      const Sample& s = d.samples[i];
      const std::string file = d.file_path(i);
      std::error_code ec;
      auto size = std::filesystem::file_size(file, ec);
      check(!ec, "manifest", "'", path, "': files[", i, "].path: '", file, "' does not exist or cannot be read");
      check(static_cast<int64_t>(size) == s.bytes, "manifest", "'", path, "': files[", i, "].bytes: '", file,
            "' has ", size, " bytes, the manifest says ", s.bytes);
      if (options.verify_hashes)
        check(fnv1a64(read_file(file)) == s.hash, "manifest", "'", path, "': files[", i, "].hash: '", file,
              "' has changed since the manifest was written");
    }
  }
  return m;
}

}  // namespace msq::data
