// A one-line progress bar with rate and ETA on stderr (redrawn in place on a terminal,
// a line every 10 % otherwise).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace msq::train {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::string unit = "img");
  // Advances by `done` steps of `items` units each; `status` is shown at the end (e.g. loss).
  void update(int64_t done, int64_t items, const std::string& status = "");
  void finish();

 private:
  std::string label_, unit_;
  int64_t total_, step_ = 0, items_ = 0, last_decile_ = -1;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

std::string format_duration(double seconds);  // "1m05s", "42s", "1h02m"

}  // namespace msq::train
