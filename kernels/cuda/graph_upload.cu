// Host bytes into device memory, capture-safe (graph_upload.h).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>

#include "kernels/cuda/check.h"
#include "kernels/cuda/graph_upload.h"
#include "kernels/cuda/stream.h"

namespace msq::cuda {

namespace {

// Under the classic 4 KiB kernel-argument limit with the pointer and count beside it.
constexpr size_t kPieceBytes = 3968;

struct Piece {
  unsigned char bytes[kPieceBytes];
};

// dst: [n] bytes, piece.bytes: [n] (n <= kPieceBytes); one block.
__global__ void upload_piece_kernel(unsigned char* dst, Piece piece, unsigned n) {
  for (unsigned i = threadIdx.x; i < n; i += blockDim.x) dst[i] = piece.bytes[i];
}

}  // namespace

void upload_to_device(void* dst, const void* src_host, size_t bytes) {
  if (bytes == 0) return;
  if (!compute_stream_capturing()) {
    MSQ_CUDA_CHECK(cudaMemcpy(dst, src_host, bytes, cudaMemcpyHostToDevice));
    return;
  }
  upload_as_arguments(dst, src_host, bytes);
}

void upload_as_arguments(void* dst, const void* src_host, size_t bytes) {
  auto* out = static_cast<unsigned char*>(dst);
  const auto* in = static_cast<const unsigned char*>(src_host);
  for (size_t at = 0; at < bytes; at += kPieceBytes) {
    const size_t n = std::min(kPieceBytes, bytes - at);
    Piece piece;
    std::memcpy(piece.bytes, in + at, n);
    upload_piece_kernel<<<1, 256, 0, compute_stream()>>>(out + at, piece, static_cast<unsigned>(n));
    MSQ_CUDA_CHECK(launch_status());
  }
}

}  // namespace msq::cuda
