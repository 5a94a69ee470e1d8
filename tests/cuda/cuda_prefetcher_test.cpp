// The device prefetcher on a GPU (engine/data/prefetcher.h, kernels/cuda/copy_stream.cpp):
// page-locked batches of known values go through the real copy stream while the default
// stream is kept busy by a long chain of kernels on the previous batch; every batch must
// arrive whole (its sum and a few values read back), in order, and the host batches are
// only reused (freed to the pinned cache) after their copies. A copy stream's events also
// report completion. tests/data/prefetcher_test.cpp checks the ordering rules on the CPU
// with a recording stream. Skips without a GPU.
#include <vector>

#include "engine/data/prefetcher.h"
#include "kernels/backend.h"
#include "test_support.h"

using namespace msq;
using namespace msq::data;

namespace {

// Batch k: images[i] = k + (i % 97) / 97, labels = k.
bool make_batch(int64_t k, int64_t rows, int64_t size, Batch& b) {
  b.images = Tensor::empty_pinned({rows, 3, size, size});
  b.labels = Tensor::empty_pinned({rows}, DType::Int64);
  float* im = b.images.data<float>();
  for (int64_t i = 0; i < b.images.numel(); ++i) im[i] = float(k) + float(i % 97) / 97.0f;
  int64_t* lab = b.labels.data<int64_t>();
  for (int64_t r = 0; r < rows; ++r) lab[r] = k;
  b.indices.assign(size_t(rows), k);
  b.copies.assign(size_t(rows), 0);
  return true;
}

double expected_sum(int64_t k, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(float(k) + float(i % 97) / 97.0f);
  return s;
}

}  // namespace

TEST_CASE("cuda prefetcher: batches arrive whole and in order while the GPU is busy") {
  if (!test::require_cuda()) return;
  const int64_t batches = 12, rows = 8, size = 96;
  int64_t made = 0;
  DevicePrefetcher prefetcher(
      [&](Batch& b) { return made < batches && make_batch(made++, rows, size, b); }, Device::cuda(),
      backend(Device::cuda()).new_copy_stream());
  manual_seed(3);
  Tensor busy = randn({512, 512}, TensorOptions(DType::Float32).with_device(Device::cuda()));
  Batch b;
  int64_t k = 0;
  while (prefetcher.next(b)) {
    REQUIRE(b.images.device().is_cuda());
    REQUIRE(b.labels.device().is_cuda());
    // Keep the default stream busy so the next copy really runs beside the compute.
    Tensor t = busy;
    for (int i = 0; i < 20; ++i) t = mul(matmul(t, busy), 1.0 / 512.0);
    const double s = sum(b.images.to(DType::Float64)).item();
    CHECK(s == doctest::Approx(expected_sum(k, b.images.numel())).epsilon(1e-9));
    std::vector<int64_t> labels = b.labels.cpu().to_vector<int64_t>();
    for (int64_t v : labels) CHECK(v == k);
    CHECK(b.indices[0] == k);
    ++k;
  }
  CHECK(k == batches);
}

TEST_CASE("cuda copy stream: events complete, and the host waits for them") {
  if (!test::require_cuda()) return;
  std::unique_ptr<CopyStream> stream = backend(Device::cuda()).new_copy_stream();
  Tensor host = Tensor::empty_pinned({1 << 20});
  host.fill_(2.0);
  Tensor dev = Tensor::empty({1 << 20}, TensorOptions(DType::Float32).with_device(Device::cuda()));
  CopyStream::Event free = stream->record_compute();
  stream->copy_waits(free);
  stream->copy_from_host(dev.raw_data(), host.raw_data(), size_t(host.numel()) * 4);
  CopyStream::Event copied = stream->record_copy();
  stream->compute_waits(copied);
  CHECK(sum(dev).item() == doctest::Approx(2.0 * (1 << 20)));
  stream->host_waits(copied);
  CHECK(stream->done(copied));
  stream->release(copied);
  stream->release(free);
  CHECK_THROWS_AS(stream->release(copied), Error);  // released twice
}
