#include "engine/train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace msq::train {

std::string format_duration(double s) {
  char buf[32];
  int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(t / 3600), (long long)(t % 3600 / 60));
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(t / 60), (long long)(t % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)t);
  return buf;
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(::isatty(2)),
      start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(int64_t done, int64_t items, const std::string& status) {
  step_ += done;
  items_ += items;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? items_ / elapsed : 0;
  double eta = step_ > 0 ? elapsed / step_ * (total_ - step_) : 0;
  // Not a terminal (a log file): a line per 25 % of long epochs only; the epoch summary
  // line says the rest.
  int64_t quarter = total_ > 0 ? step_ * 4 / total_ : 4;
  if (!tty_ && (total_ < 40 || quarter == last_decile_ || step_ == total_)) return;
  last_decile_ = quarter;
  const int width = 24;
  int filled = total_ > 0 ? static_cast<int>(width * step_ / total_) : width;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "%s%s [%s] %lld/%lld %.1f %s/s ETA %s %s%s", tty_ ? "\r" : "", label_.c_str(),
               bar.c_str(), (long long)step_, (long long)total_, rate, unit_.c_str(),
               format_duration(eta).c_str(), status.c_str(), tty_ ? "\033[K" : "\n");
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (tty_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace msq::train
