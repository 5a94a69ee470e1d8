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

TEST_CASE("views share storage; reshape copies only when it must") {
  Tensor x = arange(12, DType::Float32).reshape({3, 4});
  Tensor t = x.t();
  CHECK(t.shape() == Shape{4, 3});
  CHECK(t.strides() == Shape{1, 4});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.storage() == x.storage());
  Tensor flat = t.reshape({12});  // not viewable: a copy
  CHECK(flat.storage() != x.storage());
  CHECK(flat.to_vector<float>() == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  CHECK_THROWS_WITH_AS(t.view({12}), doctest::Contains("[view] cannot view a tensor of shape [4, 3]"), Error);
  Tensor v = x.view({2, -1});
  CHECK(v.shape() == Shape{2, 6});
  CHECK(v.storage() == x.storage());
  Tensor n = x.narrow(1, 1, 2);
  CHECK(n.to_vector<float>() == std::vector<float>{1, 2, 5, 6, 9, 10});
  n.fill_(-1);  // writes through the view
  CHECK(x.select(0, 2).to_vector<float>() == std::vector<float>{8, -1, -1, 11});
  Tensor e = from_vector<float>({1, 2}, {2, 1}).expand({2, 3});
  CHECK(e.strides() == Shape{1, 0});
  CHECK(e.contiguous().to_vector<float>() == std::vector<float>{1, 1, 1, 2, 2, 2});
  CHECK(x.unsqueeze(0).unsqueeze(-1).shape() == Shape{1, 3, 4, 1});
  CHECK(x.unsqueeze(0).unsqueeze(-1).squeeze().shape() == Shape{3, 4});
  CHECK(x.permute({1, 0}).shape() == Shape{4, 3});
  CHECK(x.slice(1, 0, 4, 3).to_vector<float>() == std::vector<float>{0, 3, 4, 7, 8, 11});
  CHECK(arange(24, DType::Float32).reshape({2, 3, 4}).flatten(1).shape() == Shape{2, 12});
}

TEST_CASE("clone, contiguous, dtype conversions") {
  Tensor x = from_vector<double>({1.5, -2.7, 3.2}, {3});
  Tensor c = x.clone();
  c.fill_(0);
  CHECK(x.to_vector<double>()[0] == 1.5);
  CHECK(x.to(DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{1, -2, 3});
  CHECK(x.to(DType::Float32).dtype() == DType::Float32);
  CHECK(from_vector<uint8_t>({0, 128, 255}, {3}).to(DType::Float32).to_vector<float>() ==
        std::vector<float>{0, 128, 255});
  CHECK(gt(x, 0.0).dtype() == DType::Bool);
  CHECK(gt(x, 0.0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1});
  CHECK(x.contiguous().is_same(x));
  CHECK(div(arange(4), scalar_tensor(2, DType::Int64)).dtype() == DType::Float32);  // true division
}

TEST_CASE("random numbers: reproducible for a seed, right moments, streams advance") {
  manual_seed(42);
  Tensor a = randn({10000});
  Tensor b = rand({10000}, DType::Float64);
  manual_seed(42);
  Tensor a2 = randn({10000});
  CHECK(a.to_vector<float>() == a2.to_vector<float>());
  Tensor a3 = randn({10000});
  CHECK(a3.to_vector<float>() != a.to_vector<float>());
  CHECK(mean(a).item() == doctest::Approx(0.0).epsilon(0.03).scale(1));
  CHECK(var(a).item() == doctest::Approx(1.0).epsilon(0.03));
  CHECK(mean(b).item() == doctest::Approx(0.5).epsilon(0.02));
  CHECK(min(b).item() >= 0.0);
  CHECK(max(b).item() < 1.0);
  Tensor u = uniform({1000}, -3, -1);
  CHECK(min(u).item() >= -3.0);
  CHECK(max(u).item() < -1.0);
}

TEST_CASE("printing is readable and summarises large tensors") {
  Tensor x = from_vector<float>({1, 2.5, -3, 4}, {2, 2});
  CHECK(x.str() == "tensor([[1.0000, 2.5000],\n        [-3.0000, 4.0000]], shape=[2, 2], dtype=float32)");
  CHECK(arange(3).str() == "tensor([0, 1, 2], shape=[3], dtype=int64)");
  CHECK(scalar_tensor(0.5, DType::Float64).str() == "tensor(0.5000, shape=[], dtype=float64)");
  std::string big = zeros({2000}).str();
  CHECK(big.find("...") != std::string::npos);
  CHECK(big.size() < 200);
  Tensor g = mul(ones({1}).requires_grad_(), 2.0);
  CHECK(g.str().find("grad_fn=mul") != std::string::npos);
}

TEST_CASE("devices: CUDA is optional and asking for it without a device is a clear error") {
  CHECK(Device::parse("cpu").is_cpu());
  CHECK(Device::parse("cuda:1").index == 1);
  CHECK_THROWS_WITH_AS(Device::parse("gpu"), doctest::Contains("[device] unknown device 'gpu'"), Error);
  if (cuda_available()) {
    Tensor x = arange(5, DType::Float32).to(Device::cuda());
    CHECK(x.device().is_cuda());
    CHECK(x.cpu().to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4});
  } else {
    CHECK_FALSE(cuda_unavailable_reason().empty());
    CHECK_THROWS_WITH_AS(ones({2}).to(Device::cuda()), doctest::Contains("CUDA is not available"), Error);
    CHECK_THROWS_WITH_AS(zeros({2}, Device::cuda()), doctest::Contains("CUDA is not available"), Error);
  }
}
