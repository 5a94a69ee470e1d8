// bfloat16 rounding (kernels/common/bf16.h) against PyTorch's .bfloat16(): ties to even in
// both directions, values just above and below a tie, subnormals, the largest finite values
// (which round to infinity), infinities, signed zeros and NaN; plus random floats over the
// whole exponent range. Skips without Debian's python3-torch.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

#include "kernels/common/bf16.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;

namespace {

float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

uint32_t to_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

std::vector<float> cases() {
  std::vector<float> v;
  // Around ties: upper halves with an even and an odd last kept bit, lower halves at, just
  // below and just above 0x8000, in normal, subnormal and near-overflow ranges, both signs.
  for (uint32_t upper : {0x3f80u, 0x3f81u, 0x0001u, 0x0002u, 0x007fu, 0x0080u, 0x7f7eu, 0x7f7fu,
                         0x4049u, 0x3c00u, 0x3c01u}) {
    for (uint32_t lower : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu}) {
      v.push_back(from_bits((upper << 16) | lower));
      v.push_back(from_bits(0x80000000u | (upper << 16) | lower));
    }
  }
  v.push_back(std::numeric_limits<float>::max());
  v.push_back(std::numeric_limits<float>::infinity());
  v.push_back(-std::numeric_limits<float>::infinity());
  v.push_back(0.0f);
  v.push_back(-0.0f);
  v.push_back(std::numeric_limits<float>::denorm_min());
  std::mt19937 gen(5);
  for (int i = 0; i < 20000; ++i) {
    uint32_t u = gen();
    if ((u & 0x7f800000u) == 0x7f800000u) continue;  // NaN / inf are covered above
    v.push_back(from_bits(u));
  }
  return v;
}

}  // namespace

TEST_CASE("bf16 rounding: ties to even and NaN on small cases") {
  CHECK(math::bf16_bits(from_bits(0x3f808000u)) == 0x3f80);  // tie, even kept: down
  CHECK(math::bf16_bits(from_bits(0x3f818000u)) == 0x3f82);  // tie, odd kept: up
  CHECK(math::bf16_bits(from_bits(0x3f808001u)) == 0x3f81);  // above the tie: up
  CHECK(math::bf16_bits(from_bits(0x3f807fffu)) == 0x3f80);  // below the tie: down
  CHECK(math::bf16_bits(std::numeric_limits<float>::max()) == 0x7f80);  // to +inf
  CHECK(std::isnan(math::round_to_bf16(std::nanf(""))));
  CHECK(math::round_to_bf16(1.0f) == 1.0f);
}

TEST_CASE("bf16 rounding matches torch .bfloat16()") {
  if (!test::python_has("/usr/bin/python3", "torch,numpy")) {
    test::skip("Debian's python3-torch is not installed");
    return;
  }
  std::vector<float> v = cases();
  v.push_back(std::nanf(""));
  const std::string dir = test::scratch_dir("bf16");
  const std::string in = dir + "/in.f32", out = dir + "/out.u16";
  std::ofstream(in, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * 4));
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np, torch; "
                          "x = torch.from_numpy(np.fromfile('" + in + "', dtype=np.float32)); "
                          "x.bfloat16().view(torch.int16).numpy().astype(np.uint16).tofile('" + out + "')\"";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::vector<uint16_t> ref(v.size());
  std::ifstream(out, std::ios::binary).read(reinterpret_cast<char*>(ref.data()), std::streamsize(ref.size() * 2));
  int64_t mismatches = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const uint16_t got = math::bf16_bits(v[i]);
    const bool both_nan = std::isnan(v[i]) && (ref[i] & 0x7fff) > 0x7f80 && (got & 0x7fff) > 0x7f80;
    if (got != ref[i] && !both_nan) {
      if (++mismatches <= 5) {
        MESSAGE("x bits " << std::hex << to_bits(v[i]) << ": msq " << got << ", torch " << ref[i]);
      }
    }
  }
  CHECK(mismatches == 0);
}
