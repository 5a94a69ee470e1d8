#include "engine/data/file_hash.h"

#include <cstdio>

#include "engine/core/error.h"

namespace msq::data {

uint64_t fnv1a64(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hash_hex(uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

uint64_t parse_hash_hex(const std::string& text, const std::string& field) {
  check(text.size() == 16, "manifest", field, ": expected 16 hex digits, got '", text, "'");
  uint64_t h = 0;
  for (char c : text) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    check(d >= 0, "manifest", field, ": expected lower-case hex digits, got '", text, "'");
    h = (h << 4) | static_cast<uint64_t>(d);
  }
  return h;
}

}  // namespace msq::data
