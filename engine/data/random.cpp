#include "engine/data/random.h"

#include <cmath>

namespace msq::data {

double normal01(std::mt19937_64& rng) {
  double u1 = 1.0 - uniform01(rng);  // (0, 1]
  double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

}  // namespace msq::data
