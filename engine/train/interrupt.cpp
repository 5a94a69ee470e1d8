#include "engine/train/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>

namespace msq::train {

namespace {

std::atomic<int> interrupts{0};

void on_signal(int) {
  if (interrupts.fetch_add(1) >= 1) _exit(130);
  const char msg[] = "\n[msq] interrupted: stopping after this batch (Ctrl-C again to quit now)\n";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  (void)ignored;
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() { return interrupts.load() > 0; }
void clear_interrupt() { interrupts.store(0); }
void request_interrupt() { interrupts.fetch_add(1); }

}  // namespace msq::train
