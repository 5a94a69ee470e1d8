// An exclusive advisory lock on a file (flock), held for the lifetime of the object:
// processes that lock the same path take turns. The file is created when missing and left
// in place. flock works between processes of one machine and, on Linux, over NFS (the
// kernel maps it to POSIX byte-range locks), e.g. for the tasks of a SLURM array.
#pragma once
#include <string>

namespace msq {

class FileLock {
 public:
  // Blocks until the lock is held; errors name the file.
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace msq
