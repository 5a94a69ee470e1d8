// Bad input: every error names the op and the shapes or dtypes involved.
#include "test_support.h"

using namespace msq;

TEST_CASE("shape mismatches name the op and both shapes") {
  CHECK_THROWS_WITH_AS(add(ones({2, 3}), ones({4})),
                       doctest::Contains("[add] shapes [2, 3] and [4] cannot be broadcast together"), Error);
  CHECK_THROWS_WITH_AS(matmul(ones({2, 3}), ones({4, 5})),
                       doctest::Contains("[matmul] shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)"), Error);
  CHECK_THROWS_WITH_AS(bmm(ones({2, 3, 4}), ones({3, 4, 5})), doctest::Contains("[bmm] expects [B, M, K] and [B, K, N]"), Error);
  CHECK_THROWS_WITH_AS(linear(ones({2, 3}), ones({4, 5})),
                       doctest::Contains("[linear] input of shape [2, 3] has 3 features, weight [4, 5] expects 5"), Error);
  CHECK_THROWS_WITH_AS(linear(ones({2, 5}), ones({4, 5}), ones({3})), doctest::Contains("[linear] bias must be [4]"), Error);
  CHECK_THROWS_WITH_AS(cat({ones({2, 3}), ones({3, 3})}, 1),
                       doctest::Contains("[cat] tensor 1 has shape [3, 3], expected [2, 3] except in dim 1"), Error);
  CHECK_THROWS_WITH_AS(ones({6}).reshape({4, -1}), doctest::Contains("[reshape] shape [4, -1] is invalid for input of size 6"), Error);
  CHECK_THROWS_WITH_AS(ones({2, 3}).expand({4, 3}), doctest::Contains("[expand] cannot expand [2, 3] to [4, 3]"), Error);
  CHECK_THROWS_WITH_AS(sum(ones({2, 3}), {2}), doctest::Contains("[sum] dim 2 is out of range for a tensor of 2 dims"), Error);
  CHECK_THROWS_WITH_AS(ones({2, 3}).narrow(1, 2, 2), doctest::Contains("[narrow] range [2, 4) is out of bounds for dim 1 of size 3"), Error);
  CHECK_THROWS_WITH_AS(mse_loss(ones({2}), ones({3})), doctest::Contains("[mse_loss] input [2] and target [3] differ in shape"), Error);
}

TEST_CASE("wrong dtypes are named") {
  CHECK_THROWS_WITH_AS(exp(arange(3)), doctest::Contains("[exp] expects a floating tensor, got int64 of shape [3]"), Error);
  CHECK_THROWS_WITH_AS(matmul(ones({2, 2}), ones({2, 2}, DType::Float64)),
                       doctest::Contains("[matmul] expects two floating tensors of one dtype, got float32 and float64"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(ones({3, 2}), ones({3})),
                       doctest::Contains("[nll_loss] target must hold int64 class indices, got float32"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(ones({3, 2}), from_vector<int64_t>({0, 2, 1}, {3})),
                       doctest::Contains("target[1] = 2 is not a class index in [0, 2)"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(ones({3, 2}), from_vector<int64_t>({0, 1}, {2})),
                       doctest::Contains("target must be [3] for input [3, 2], got [2]"), Error);
  CHECK_THROWS_WITH_AS(ones({2}).data<double>(), doctest::Contains("[data] tensor holds float32, asked for float64"), Error);
  CHECK_THROWS_WITH_AS(dropout(ones({2}), 1.5, true), doctest::Contains("[dropout] probability must be in [0, 1], got 1.5"), Error);
}

TEST_CASE("undefined tensors, item on many elements, empty tensors") {
  Tensor undefined;
  CHECK_THROWS_WITH_AS(undefined.shape(), doctest::Contains("[tensor] use of an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(ones({2}).item(), doctest::Contains("[item] a tensor with 2 elements (shape [2])"), Error);
  Tensor e = zeros({0, 3});
  CHECK(sum(e).item() == 0.0);
  CHECK(add(e, ones({3})).shape() == Shape{0, 3});
  CHECK(matmul(zeros({2, 0}), zeros({0, 3})).to_vector<float>() == std::vector<float>(6, 0.0f));
  CHECK_THROWS_WITH_AS(max(e), doctest::Contains("[max] cannot reduce an empty dim"), Error);
}
