// Errors: every message starts with the name of the op that raised it, e.g.
// "[matmul] shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)".
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace msq {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class... Args>
[[noreturn]] void fail(const char* op, const Args&... parts) {
  std::ostringstream s;
  s << '[' << op << "] ";
  (s << ... << parts);
  throw Error(s.str());
}

// check(cond, "op", "message ", value, ...): the message is only built when cond is false.
template <class... Args>
inline void check(bool cond, const char* op, const Args&... parts) {
  if (!cond) fail(op, parts...);
}

}  // namespace msq
