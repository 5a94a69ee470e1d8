#include "engine/data/subjects.h"

#include <cctype>
#include <regex>

#include "engine/core/error.h"

namespace msq::data {

struct SubjectRule::Impl {
  std::regex pattern;
  std::regex numbered{R"(^(.*?)\s*\((\d+)\)$)"};
};

SubjectRule::SubjectRule(const SubjectOptions& options) : impl_(std::make_unique<Impl>()) {
  try {
    impl_->pattern = std::regex(options.pattern, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& e) {
    fail("subjects", "bad subject pattern '", options.pattern, "': ", e.what());
  }
  check(options.ungrouped_block >= 0, "subjects", "ungrouped_block must be >= 0, got ",
        options.ungrouped_block);
  block_ = options.ungrouped_block;
}

SubjectRule::~SubjectRule() = default;

namespace {
std::string stem_of(const std::string& file) {
  size_t slash = file.find_last_of('/');
  std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
  size_t dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::string normalise(const std::string& id) {
  std::string out;
  for (char c : id) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}
}  // namespace

std::string SubjectRule::operator()(const std::string& file) const {
  const std::string stem = stem_of(file);
  std::smatch m;
  if (std::regex_search(stem, m, impl_->pattern)) {
    std::string id = normalise(m.size() > 1 ? m[1].str() : m[0].str());
    if (!id.empty()) return id;
  }
  if (block_ > 0 && std::regex_match(stem, m, impl_->numbered) && m[2].length() <= 15) {
    int64_t n = std::stoll(m[2].str());
    int64_t group = n > 0 ? (n - 1) / block_ : 0;
    return normalise(m[1].str()) + "#" + std::to_string(group);
  }
  return "";
}

}  // namespace msq::data
