#include "engine/data/scan.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

#include "engine/core/error.h"
#include "engine/data/duplicates.h"
#include "engine/data/file_hash.h"
#include "engine/io/atomic_file.h"

namespace msq::data {
namespace fs = std::filesystem;

Layout parse_layout(const std::string& name) {
  if (name == "auto") return Layout::Auto;
  if (name == "kaggle") return Layout::Kaggle;
  if (name == "generic") return Layout::Generic;
  fail("scan", "unknown layout '", name, "' (expected auto, kaggle or generic)");
}

namespace {

bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<std::string> sorted_subdirs(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A Kaggle folder name -> (is MS, plane), or false when it is not one.
bool kaggle_folder(const std::string& name, bool& ms, std::string& plane) {
  static const std::regex re(R"(^(ms|control)\s+(axial|sagg?ital)(_crop)?$)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(name, m, re)) return false;
  ms = std::tolower(static_cast<unsigned char>(m[1].str()[0])) == 'm';
  plane = std::tolower(static_cast<unsigned char>(m[2].str()[0])) == 'a' ? "axial" : "sagittal";
  return true;
}

// Appends the images under root/folder (recursively, sorted) with the given label.
void add_images(Dataset& d, const fs::path& root, const std::string& folder, int64_t label,
                const SubjectRule& subject_of) {
  std::vector<std::string> rel;
  for (const auto& e : fs::recursive_directory_iterator(root / folder))
    if (e.is_regular_file() && is_image(e.path()))
      rel.push_back(fs::relative(e.path(), root).generic_string());
  check(!rel.empty(), "scan", "class folder '", (root / folder).string(),
        "' holds no images (.png, .jpg, .jpeg, .bmp)");
  std::sort(rel.begin(), rel.end());
  for (const std::string& r : rel) {
    Sample s;
    s.path = r;
    s.label = label;
    s.subject = subject_of(r);
    std::string bytes = read_file((root / r).string());
    s.hash = fnv1a64(bytes);
    s.bytes = static_cast<int64_t>(bytes.size());
    d.samples.push_back(std::move(s));
  }
}

}  // namespace

Dataset scan_dataset(const std::string& root_text, const ScanOptions& options) {
  const fs::path root(root_text);
  check(fs::is_directory(root), "scan", "data root '", root_text, "' is not a folder");
  const std::vector<std::string> dirs = sorted_subdirs(root);
  SubjectRule subject_of(options.subjects);

  bool any_kaggle = false;
  for (const std::string& name : dirs) {
    bool ms;
    std::string plane;
    any_kaggle = any_kaggle || kaggle_folder(name, ms, plane);
  }
  Layout layout = options.layout;
  if (layout == Layout::Auto) layout = any_kaggle ? Layout::Kaggle : Layout::Generic;

  Dataset d;
  d.root = root_text;
  if (layout == Layout::Kaggle) {
    check(options.plane == "axial" || options.plane == "sagittal", "scan", "plane must be axial or sagittal, got '",
          options.plane, "'");
    check(any_kaggle, "scan", "'", root_text, "' has no Kaggle folders (e.g. 'MS Axial_crop', 'Control Axial_crop')");
    d.layout = "kaggle";
    d.plane = options.plane;
    d.classes = {"control", "ms"};
    std::string folder_of[2];
    for (const std::string& name : dirs) {
      bool ms;
      std::string plane;
      if (!kaggle_folder(name, ms, plane) || plane != options.plane) continue;
      std::string& slot = folder_of[ms ? 1 : 0];
      check(slot.empty(), "scan", "two folders for ", ms ? "MS" : "control", " ", plane, " in '", root_text,
            "': '", slot, "' and '", name, "'");
      slot = name;
    }
    const char* expected[2] = {"Control", "MS"};
    for (int label = 0; label < 2; ++label) {
      check(!folder_of[label].empty(), "scan", "missing class: no '", expected[label], " ",
            options.plane == "axial" ? "Axial" : "Saggital", "_crop' folder in '", root_text, "'");
      add_images(d, root, folder_of[label], label, subject_of);
    }
  } else {
    check(!dirs.empty(), "scan", "unknown layout: '", root_text,
          "' has neither Kaggle folders nor class folders (root/<class>/)");
    check(dirs.size() >= 2, "scan", "missing class: '", root_text, "' has one class folder ('", dirs[0],
          "'), at least 2 expected");
    d.layout = "generic";
    d.classes = dirs;
    for (size_t label = 0; label < dirs.size(); ++label)
      add_images(d, root, dirs[label], static_cast<int64_t>(label), subject_of);
  }
  std::stable_sort(d.samples.begin(), d.samples.end(),
                   [](const Sample& a, const Sample& b) { return a.path < b.path; });
  mark_duplicates(d);
  return d;
}

}  // namespace msq::data
