#include "apps/common/provenance.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "apps/common/build_info.h"
#include "engine/data/file_hash.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace msq::apps {

namespace {

// The first line a shell command prints ("" when it fails).
std::string first_line_of(const std::string& command) {
  FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return "";
  char buf[256] = {0};
  std::string line = std::fgets(buf, sizeof buf, p) ? buf : "";
  int rc = ::pclose(p);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return rc == 0 ? line : "";
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

}  // namespace

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string data_manifest_hash(const std::vector<data::SplitManifest>& manifests) {
  std::string text;
  for (const data::SplitManifest& m : manifests)
    for (const data::Sample& s : m.dataset.samples)
      text += s.path + "\t" + std::to_string(s.bytes) + "\t" + data::hash_hex(s.hash) + "\t" + std::to_string(s.label) +
              "\t" + data::subset_name(s.subset) + "\n";
  return data::hash_hex(data::fnv1a64(text));
}

nlohmann::json provenance(const std::string& device) {
  std::string commit = first_line_of(std::string("git -C '") + MSQ_SOURCE_DIR + "' rev-parse HEAD");
  if (!commit.empty() && !first_line_of(std::string("git -C '") + MSQ_SOURCE_DIR +
                                        "' status --porcelain --untracked-files=no").empty())
    commit += "+dirty";
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  return {{"commit", commit.empty() ? std::string(MSQ_BUILD_GIT_COMMIT) : commit},
          {"build_commit", MSQ_BUILD_GIT_COMMIT},
          {"build_dirty", MSQ_BUILD_GIT_DIRTY != 0},
          {"host", host},
          {"cpu", cpu_model()},
          {"device", device},
          {"threads", threads},
          {"time_utc", utc_now()}};
}

}  // namespace msq::apps
