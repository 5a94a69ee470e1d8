// Multi-tensor launches (the idea of PyTorch's multi_tensor_apply): one kernel runs over a
// list of tensors. The host writes a table of per-tensor entries (pointers, sizes, scalars)
// and a list of (tensor, chunk) pairs, uploads both in one copy into a buffer from the
// caching allocator (capture-safe: graph_upload.h), and launches one block per chunk. A
// block runs `op(entry, i)` for each element i of its chunk.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/cuda/check.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/graph_upload.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq::cuda {

// Elements per block: large enough that a block's loop amortises the table reads, small
// enough that a big tensor spreads over all multiprocessors.
constexpr int64_t kMultiTensorChunk = 16384;

struct TensorChunk {
  int32_t tensor;  // index into the entry table
  int32_t chunk;   // chunk index within that tensor
};

// entries: [tensors]; chunks: [gridDim.x]. Entry has an int64_t field `n` (its elements).
template <class Entry, class Op>
__global__ void multi_tensor_kernel(const Entry* entries, const TensorChunk* chunks, Op op) {
  TensorChunk c = chunks[blockIdx.x];
  const Entry e = entries[c.tensor];  // in registers: the loop reads no table memory
  int64_t begin = static_cast<int64_t>(c.chunk) * kMultiTensorChunk;
  int64_t end = begin + kMultiTensorChunk < e.n ? begin + kMultiTensorChunk : e.n;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) op(e, i);
}

// Runs op over every element of every entry in one launch (nothing for an empty list).
template <class Entry, class Op>
void launch_multi_tensor(const std::vector<Entry>& entries, Op op) {
  std::vector<TensorChunk> chunks;
  for (size_t t = 0; t < entries.size(); ++t) {
    int64_t count = (entries[t].n + kMultiTensorChunk - 1) / kMultiTensorChunk;
    for (int64_t c = 0; c < count; ++c) {
      chunks.push_back({static_cast<int32_t>(t), static_cast<int32_t>(c)});
    }
  }
  if (chunks.empty()) return;
  // One host block [entries | chunks] (the chunks 8-byte aligned after the entries).
  const auto* entry_begin = reinterpret_cast<const unsigned char*>(entries.data());
  const auto* chunk_begin = reinterpret_cast<const unsigned char*>(chunks.data());
  std::vector<unsigned char> host(entry_begin, entry_begin + entries.size() * sizeof(Entry));
  size_t entry_bytes = (host.size() + 15) / 16 * 16;
  host.resize(entry_bytes);
  host.insert(host.end(), chunk_begin, chunk_begin + chunks.size() * sizeof(TensorChunk));
  DeviceBuffer table(host.size());
  // A synchronous copy (or, in a graph capture, kernel arguments: graph_upload.h): done
  // before the kernel runs, the host block free to go; the table goes back to the cache
  // after queueing (the next user runs later, on the same stream).
  upload_to_device(table.data(), host.data(), host.size());
  const Entry* d_entries = table.as<Entry>();
  const TensorChunk* d_chunks =
      reinterpret_cast<const TensorChunk*>(table.as<unsigned char>() + entry_bytes);
  multi_tensor_kernel<Entry, Op><<<static_cast<unsigned>(chunks.size()), kThreads, 0, cuda::compute_stream()>>>(
      d_entries, d_chunks, op);
  MSQ_CUDA_CHECK(launch_status());
}

}  // namespace msq::cuda
