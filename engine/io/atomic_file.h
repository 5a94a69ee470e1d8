// Atomic file writes: the bytes go to "<path>.tmp-<pid>" in the same folder, are flushed to
// disk, and the file is renamed over <path>. Readers see the old file or the new one, never
// a torn one; a failure leaves the old file and removes the temporary.
#pragma once
#include <string>

namespace msq {

void write_file_atomic(const std::string& path, const std::string& bytes);
// Reads a whole file; errors name the file.
std::string read_file(const std::string& path);

}  // namespace msq
