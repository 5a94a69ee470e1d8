// Portable seeded randomness for the data pipeline. std::mt19937_64's output sequence is
// fixed by the C++ standard, but std::uniform_*_distribution and std::shuffle are not, so
// the draws below are written out: the same seed gives the same splits, shuffles and
// augmentations with any standard library.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

namespace msq::data {

inline constexpr double kPi = 3.14159265358979323846;

// SplitMix64's finaliser: a well-mixed 64-bit function of x (for deriving seeds).
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A seed derived from a base seed and a sequence of keys (e.g. seed, epoch, sample).
inline uint64_t derive_seed(uint64_t seed, std::initializer_list<uint64_t> keys) {
  uint64_t h = mix64(seed);
  for (uint64_t k : keys) h = mix64(h ^ mix64(k + 0x632be59bd9b4e019ull));
  return h;
}

// Uniform in [0, n), n >= 1, by rejection (no modulo bias).
inline uint64_t uniform_index(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng(); while (x >= limit);
  return x % n;
}

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Uniform in [lo, hi).
inline double uniform(std::mt19937_64& rng, double lo, double hi) { return lo + (hi - lo) * uniform01(rng); }

// Standard normal (Box-Muller, one value per call).
double normal01(std::mt19937_64& rng);

// Fisher-Yates shuffle.
template <class T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(rng, i)]);
}

}  // namespace msq::data
