// FileLock: another process cannot take a held lock without waiting, and gets it once freed.
#include <sys/wait.h>
#include <unistd.h>

#include "engine/io/file_lock.h"
#include "python_tools.h"
#include "test_support.h"

namespace {

// 1 when a child process gets the lock without waiting, 0 when not, -1 on error.
int child_try_lock(const std::string& path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    msq::FileLock l(path, /*wait=*/false);
    ::_exit(l.held() ? 1 : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("a held lock is refused to a non-waiting process and granted once released") {
  const std::string path = msq::test::scratch_dir("file-lock") + "/run.lock";
  {
    msq::FileLock held(path);
    CHECK(held.held());
    CHECK(child_try_lock(path) == 0);
  }
  CHECK(child_try_lock(path) == 1);
  CHECK_THROWS_WITH(msq::FileLock("/nonexistent-dir/x.lock"), doctest::Contains("[lock] cannot open the lock file"));
}
