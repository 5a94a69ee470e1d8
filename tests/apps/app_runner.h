// Running the built apps from a test: a command line's exit status and its combined output.
#pragma once
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/io/atomic_file.h"

namespace msq::test {

// The folder of msq-train and msq-eval (set by tests/CMakeLists.txt for the apps group).
inline const std::string kAppsDir = MSQ_APPS_DIR;

struct AppRun {
  int status;
  std::string output;
};

// Runs a shell command line; its stdout and stderr go through a temporary file named by tag.
inline AppRun run_app(const std::string& command, const std::string& tag) {
  std::string log = "/tmp/msq-" + tag + "-" + std::to_string(::getpid()) + ".log";
  int rc = std::system((command + " > " + log + " 2>&1").c_str());
  std::string out = msq::read_file(log);
  std::remove(log.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

inline bool path_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace msq::test
