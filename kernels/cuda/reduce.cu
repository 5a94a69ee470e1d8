// Reductions over the middle dim of a contiguous [outer, n, inner] on the GPU.
//  - inner == 1 (rows): one block per row, or per chunk of a row when there are few long
//    rows (a second pass then combines the chunks' partial results);
//  - inner > 1 (columns): a 32 x 8 block covers 32 neighbouring columns (coalesced loads)
//    with 8 threads splitting the n rows, combined through shared memory.
// float sums accumulate in double (as the CPU backend); max/min propagate NaN.
#include <limits>
#include <type_traits>

#include "engine/core/error.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/dispatch.cuh"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

template <ReduceOp Op, class A>
struct Combine {
  __device__ __forceinline__ A operator()(A acc, A v) const {
    if constexpr (Op == ReduceOp::Sum) return acc + v;
    else if constexpr (Op == ReduceOp::Max) return (v > acc || v != v) ? v : acc;  // NaN wins
    else return (v < acc || v != v) ? v : acc;
  }
  static constexpr A identity() {
    if constexpr (Op == ReduceOp::Sum) return A(0);
    else if constexpr (Op == ReduceOp::Max) {
      if constexpr (std::is_floating_point_v<A>) return -std::numeric_limits<A>::infinity();
      else return std::numeric_limits<A>::lowest();
    } else {
      if constexpr (std::is_floating_point_v<A>) return std::numeric_limits<A>::infinity();
      else return std::numeric_limits<A>::max();
    }
  }
};

// The accumulation type: double for float sums, the input type otherwise.
template <ReduceOp Op, class T>
using Acc = std::conditional_t<Op == ReduceOp::Sum && std::is_same_v<T, float>, double, T>;

// x: [outer, n] contiguous, each row cut into `chunks` pieces of chunk_len;
// out: [outer, chunks] (one value per block).
template <ReduceOp Op, class In, class A, class Out>
__global__ void reduce_rows_kernel(Out* out, const In* x, int64_t outer, int64_t n, int64_t chunks,
                                   int64_t chunk_len) {
  __shared__ A scratch[32];
  Combine<Op, A> combine;
  for (int64_t b = blockIdx.x; b < outer * chunks; b += gridDim.x) {
    int64_t o = b / chunks, c = b % chunks;
    int64_t begin = c * chunk_len, end = begin + chunk_len < n ? begin + chunk_len : n;
    const In* row = x + o * n;
    A acc = Combine<Op, A>::identity();
    for (int64_t r = begin + threadIdx.x; r < end; r += blockDim.x) acc = combine(acc, A(row[r]));
    acc = cuda::block_reduce(acc, combine, scratch);
    if (threadIdx.x == 0) out[b] = static_cast<Out>(acc);
  }
}

constexpr int kColumnsX = 32, kColumnsY = 8;

// x: [outer, n, inner] contiguous, out: [outer, inner]; block (32, 8), grid (inner / 32, *)
template <ReduceOp Op, class T, class A>
__global__ void reduce_columns_kernel(T* out, const T* x, int64_t outer, int64_t n, int64_t inner) {
  __shared__ A part[kColumnsY][kColumnsX + 1];
  Combine<Op, A> combine;
  int64_t i = blockIdx.x * static_cast<int64_t>(kColumnsX) + threadIdx.x;
  for (int64_t o = blockIdx.y; o < outer; o += gridDim.y) {
    A acc = Combine<Op, A>::identity();
    if (i < inner) {
      const T* col = x + o * n * inner + i;
      for (int64_t r = threadIdx.y; r < n; r += kColumnsY) acc = combine(acc, A(col[r * inner]));
    }
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && i < inner) {
      for (int k = 1; k < kColumnsY; ++k) acc = combine(acc, part[k][threadIdx.x]);
      out[o * inner + i] = static_cast<T>(acc);
    }
    __syncthreads();
  }
}

template <ReduceOp Op, class T>
void reduce_typed(T* out, const T* x, int64_t outer, int64_t n, int64_t inner) {
  using A = Acc<Op, T>;
  if (inner > 1) {
    dim3 block(kColumnsX, kColumnsY);
    int64_t gy = outer < 65535 ? outer : 65535;
    dim3 grid(static_cast<unsigned>((inner + kColumnsX - 1) / kColumnsX), static_cast<unsigned>(gy));
    reduce_columns_kernel<Op, T, A><<<grid, block, 0, cuda::compute_stream()>>>(out, x, outer, n, inner);
    MSQ_CUDA_CHECK(cuda::launch_status());
    return;
  }
  int threads = cuda::threads_for_row(n, 32, 512);
  int64_t sms = cuda::multiprocessor_count();
  // Few long rows: split each row so that about 4 blocks per multiprocessor have work.
  int64_t chunks = 1;
  if (outer < 2 * sms && n > 16 * threads) {
    chunks = (4 * sms + outer - 1) / outer;
    int64_t most = (n + 4 * threads - 1) / (4 * threads);  // at least 4 loads per thread
    if (chunks > most) chunks = most;
    if (chunks < 1) chunks = 1;
  }
  auto blocks_for = [&](int64_t count) {
    return static_cast<unsigned>(count < (int64_t(1) << 30) ? count : (int64_t(1) << 30));
  };
  if (chunks == 1) {
    reduce_rows_kernel<Op, T, A, T><<<blocks_for(outer), threads, 0, cuda::compute_stream()>>>(out, x, outer, n, 1, n);
    MSQ_CUDA_CHECK(cuda::launch_status());
    return;
  }
  int64_t chunk_len = (n + chunks - 1) / chunks;
  Allocator& alloc = backend(Device::cuda()).allocator();
  size_t bytes = static_cast<size_t>(outer * chunks) * sizeof(A);
  A* partial = static_cast<A*>(alloc.allocate(bytes));
  reduce_rows_kernel<Op, T, A, A><<<blocks_for(outer * chunks), threads, 0, cuda::compute_stream()>>>(partial, x, outer, n,
                                                                        chunks, chunk_len);
  MSQ_CUDA_CHECK(cuda::launch_status());
  reduce_rows_kernel<Op, A, A, T><<<blocks_for(outer), cuda::threads_for_row(chunks), 0, cuda::compute_stream()>>>(
      out, partial, outer, chunks, 1, chunks);
  MSQ_CUDA_CHECK(cuda::launch_status());
  alloc.deallocate(partial, bytes);  // stream order keeps it alive for the kernels above
}

// index: [outer, inner]; one block per output. Pass 1 finds the maximum (NaN wins), pass 2
// the first position holding it, so ties resolve to the lowest index as on the CPU.
template <class T>
__global__ void argmax_kernel(int64_t* index, const T* x, int64_t outer, int64_t n, int64_t inner) {
  __shared__ T best_scratch[32];
  __shared__ int64_t index_scratch[32];
  Combine<ReduceOp::Max, T> max_of;
  auto min_of = [](int64_t a, int64_t b) { return a < b ? a : b; };
  for (int64_t b = blockIdx.x; b < outer * inner; b += gridDim.x) {
    int64_t o = b / inner, i = b % inner;
    const T* col = x + o * n * inner + i;
    T best = Combine<ReduceOp::Max, T>::identity();
    for (int64_t r = threadIdx.x; r < n; r += blockDim.x) best = max_of(best, col[r * inner]);
    best = cuda::block_reduce(best, max_of, best_scratch);
    bool best_is_nan = best != best;
    int64_t first = n;
    for (int64_t r = threadIdx.x; r < n && first == n; r += blockDim.x) {
      T v = col[r * inner];
      if (best_is_nan ? v != v : v == best) first = r;
    }
    first = cuda::block_reduce(first, min_of, index_scratch);
    if (threadIdx.x == 0) index[b] = first < n ? first : 0;
  }
}

}  // namespace

// out: [outer, inner], x: [outer, n, inner] contiguous, same dtype
void CudaBackend::reduce(ReduceOp op, const StridedView& out, const StridedView& x, int64_t outer,
                         int64_t n, int64_t inner) {
  if (outer * inner == 0) return;
  cuda::dispatch_numeric_types(x.dtype, "reduce", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    if (n == 0) {  // an empty sum is 0 (max/min of nothing is rejected by the front-end)
      fill(out, 0.0);
      return;
    }
    switch (op) {
      case ReduceOp::Sum: reduce_typed<ReduceOp::Sum>(out.ptr<T>(), x.ptr<T>(), outer, n, inner); break;
      case ReduceOp::Max: reduce_typed<ReduceOp::Max>(out.ptr<T>(), x.ptr<T>(), outer, n, inner); break;
      case ReduceOp::Min: reduce_typed<ReduceOp::Min>(out.ptr<T>(), x.ptr<T>(), outer, n, inner); break;
    }
  });
}

// index: int64 [outer, inner], x: [outer, n, inner] contiguous
void CudaBackend::argmax(const StridedView& index, const StridedView& x, int64_t outer, int64_t n,
                         int64_t inner) {
  int64_t outputs = outer * inner;
  if (outputs == 0) return;
  check(n > 0, "argmax", "cannot take argmax over an empty dim");
  cuda::dispatch_numeric_types(x.dtype, "argmax", [&](auto tag) {
    using T = cuda::tag_type<decltype(tag)>;
    unsigned blocks = static_cast<unsigned>(outputs < (int64_t(1) << 30) ? outputs : (int64_t(1) << 30));
    argmax_kernel<T><<<blocks, cuda::threads_for_row(n), 0, cuda::compute_stream()>>>(index.ptr<int64_t>(), x.ptr<T>(), outer,
                                                           n, inner);
    MSQ_CUDA_CHECK(cuda::launch_status());
  });
}

}  // namespace msq
