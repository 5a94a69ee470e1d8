// Running the tools/ reference scripts from tests: which Python has which module.
// Debian's /usr/bin/python3 carries numpy and torch; scikit-learn lives in the project's
// tools venv (.venv-tools, see tools/requirements-tools.txt).
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace msq::test {

// The tools venv's python when it exists (relative to the repository root, the tests'
// working directory), else "".
inline std::string tools_venv_python() {
  const char* path = ".venv-tools/bin/python";
  return std::ifstream(path).good() ? std::string(path) : std::string();
}

// True when `python` runs and imports every module in `modules` (comma separated).
inline bool python_has(const std::string& python, const std::string& modules) {
  if (python.empty()) return false;
  std::string cmd = python + " -c 'import " + modules + "' > /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// A fresh, empty scratch folder under the system temp folder for one test.
inline std::string scratch_dir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("msq-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// The shared data folder (the dataset copy and the originals): $MSQ_SHARED_DATA, else
// ../shared/data beside the repository (where sessions and CI lay shared/).
inline std::string shared_data_dir() {
  const char* env = std::getenv("MSQ_SHARED_DATA");
  return env != nullptr && *env != 0 ? std::string(env) : std::string("../shared/data");
}

}  // namespace msq::test
