// An exclusive advisory lock on a file (flock), held for the lifetime of the object:
// processes that lock the same path take turns. The file is created when missing and left
// in place. flock works between processes of one machine and, on Linux, over NFS (the
// kernel maps it to POSIX byte-range locks), e.g. for the tasks of a SLURM array.
#pragma once
#include <string>

namespace msq {

class FileLock {
 public:
  // wait: blocks until the lock is held; otherwise returns at once, holding it or not
  // (held()). Errors name the file.
  explicit FileLock(const std::string& path, bool wait = true);
  bool held() const { return held_; }
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace msq
