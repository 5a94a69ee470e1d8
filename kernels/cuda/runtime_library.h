// Opening a CUDA library at run time (cuBLAS, cuDNN): msq's binaries do not link them, so
// they start where the library is absent and take a fallback path instead. Shared by
// cublas_loader.cpp and cudnn_loader.cpp. Libraries opened here are never dlclose'd.
#pragma once
#include <dlfcn.h>

#include <cstdlib>
#include <initializer_list>
#include <string>

namespace msq::cuda {

// True when the environment variable is set to something other than "" or "0" (the
// MSQ_DISABLE_* switches that force a fallback where the library exists).
inline bool disabled_by_env(const char* variable) {
  const char* v = std::getenv(variable);
  return v && *v && std::string(v) != "0";
}

// The first of `names` that dlopen finds, or nullptr; `opened` gets its name.
inline void* open_first_library(std::initializer_list<const char*> names, std::string& opened) {
  for (const char* name : names) {
    if (void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
      opened = name;
      return lib;
    }
  }
  return nullptr;
}

// out <- the symbol `name` of `lib`; false (and `reason` set) when it is missing.
template <class F>
bool find_symbol(void* lib, const char* name, F& out, std::string& reason) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (!out) reason = std::string("symbol ") + name + " not found";
  return out != nullptr;
}

}  // namespace msq::cuda
