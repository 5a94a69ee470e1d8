// An append-only journal file: one JSON object per line, the whole history of a study.
//
// - append() writes one record with a single write() on a descriptor opened with O_APPEND,
//   then fsync: records of concurrent writers never interleave. Writers also hold an
//   exclusive flock() on "<file>.lock" around their read-decide-append steps (locked()),
//   so that two processes never take the same trial number. flock works across processes
//   on one machine and, on Linux, over NFS (where the kernel maps it to POSIX locks), which
//   is what a SLURM array on a shared file system needs.
// - A writer killed in the middle of a record leaves a line without its newline: read()
//   skips a last line without '\n', and the next append() first ends that torn line, so
//   it becomes one unreadable line that read() skips (and counts) and no record is lost.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace msq::search {

struct JournalContents {
  std::vector<std::string> records;  // the complete, parseable JSON lines, in order
  int64_t skipped = 0;               // torn or unreadable lines
};

class Journal {
 public:
  explicit Journal(std::string path);
  const std::string& path() const { return path_; }
  // Appends one record (a JSON object on one line; a newline is added).
  void append(const std::string& record) const;
  JournalContents read() const;
  // Runs fn while holding the exclusive lock of the journal.
  void locked(const std::function<void()>& fn) const;

 private:
  std::string path_;
};

}  // namespace msq::search
