// Random numbers. One global generator, seeded by manual_seed(), feeds every random op on
// every device. Draws are counter-based (Philox): a random op reserves `n` counters and
// element i uses counter offset + i, so a seed gives the same numbers on CPU and CUDA.
#pragma once
#include <cstdint>
#include <mutex>

namespace msq {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eed) : seed_(seed) {}
  void manual_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }
  // Reserves n counters; returns the first.
  uint64_t reserve(uint64_t n);
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace msq
