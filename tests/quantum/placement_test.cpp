// The single-state layout's initial wire placement (runner.h, spread_rows): every row wire on
// a row bit of its own, the lanes untouched, and the low row bits (rows that do not share an
// L1 set) spread along the wire order so that any six consecutive row wires hold two or more.
#include <algorithm>
#include <vector>

#include "engine/quantum/runner.h"
#include "test_support.h"

using namespace msq::quantum::detail;

TEST_CASE("spread_rows: a permutation of the row bits with the low bits spread") {
  for (int folded = 0; folded < 2; ++folded)
    for (int n = 8; n <= 26; ++n) {
      const int row0 = folded ? kLaneBits + 1 : kLaneBits, rows = n - row0;
      std::vector<int> phys(n);
      for (int w = 0; w < n; ++w) phys[w] = wire_bit(n, w);
      const std::vector<int> before = phys;
      spread_rows(n, row0, phys);
      std::vector<int> sorted = phys;
      std::sort(sorted.begin(), sorted.end());
      for (int b = 0; b < n; ++b) CHECK(sorted[b] == b);  // one wire per physical bit
      for (int w = rows; w < n; ++w) CHECK(phys[w] == before[w]);  // the lanes keep theirs
      const int lows = std::min(kAliasFreeRows, rows / 2);
      for (int w = 0; w + 6 <= rows; ++w) {
        int in_window = 0;
        for (int k = w; k < w + 6; ++k) in_window += phys[k] - row0 < kAliasFreeRows;
        CHECK(in_window >= (6 * lows) / rows);
      }
    }
}
