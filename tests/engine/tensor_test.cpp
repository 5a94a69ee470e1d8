#include "test_support.h"

using namespace msq;

TEST_CASE("creation: zeros, ones, full, arange, from_vector") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == DType::Float32);
  CHECK(sum(z).item() == 0.0);
  CHECK(sum(ones({4, 5}, DType::Float64)).item() == 20.0);
  CHECK(full({3}, 2.5).to_vector<float>() == std::vector<float>{2.5f, 2.5f, 2.5f});
  CHECK(arange(5).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25, DType::Float64).to_vector<double>() ==
        std::vector<double>{1.0, 1.25, 1.5, 1.75});
  Tensor v = from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(v.dtype() == DType::Float64);
  CHECK(v.select(0, 1).select(0, 2).item<double>() == 6.0);
}
