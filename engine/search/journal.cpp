#include "engine/search/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/error.h"
#include "engine/io/file_lock.h"

namespace msq::search {

namespace {

void write_all(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    check(n > 0, "journal", "writing '", path, "' failed: ", std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

// True when the file is empty or ends with '\n'.
bool ends_with_newline(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return true;
  char last = '\n';
  return ::pread(fd, &last, 1, st.st_size - 1) != 1 || last == '\n';
}

}  // namespace

Journal::Journal(std::string path) : path_(std::move(path)) {}

void Journal::append(const std::string& record) const {
  check(record.find('\n') == std::string::npos, "journal", "a record must fit on one line");
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);  // read: the torn-tail check
  check(fd >= 0, "journal", "cannot open '", path_, "': ", std::strerror(errno));
  try {
    // A torn last record (its writer was killed) is ended here so that it stays alone on its line.
    std::string line = (ends_with_newline(fd) ? "" : "\n") + record + "\n";
    write_all(fd, line, path_);
    check(::fsync(fd) == 0, "journal", "flushing '", path_, "' failed: ", std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

JournalContents Journal::read() const {
  JournalContents c;
  std::ifstream in(path_, std::ios::binary);
  if (!in.good()) return c;
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    if (end == std::string::npos) {  // a torn last line: its writer is gone or still writing
      ++c.skipped;
      break;
    }
    std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty()) continue;
    if (nlohmann::json::accept(line)) c.records.push_back(line);
    else ++c.skipped;
  }
  return c;
}

void Journal::locked(const std::function<void()>& fn) const {
  FileLock lock(path_ + ".lock");
  fn();
}

}  // namespace msq::search
