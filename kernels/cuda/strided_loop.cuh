// Elementwise loops over N same-shaped strided views on the GPU. The host merges dims that
// are contiguous for every operand (so most views collapse to one dim) and picks one of two
// kernels: a contiguous fast path (offset = index for every operand) or a general path that
// turns a linear index into per-operand element offsets. Both are grid-stride loops.
//
// The per-element work is a functor F with `__device__ void operator()(const int64_t* off)`
// taking each operand's element offset; it holds typed pointers, so the op and dtypes are
// template parameters and the op's switch folds away at compile time.
#pragma once
#include <array>
#include <cstdint>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/stream.h"
#include "kernels/strided_view.h"

namespace msq::cuda {

template <int N>
struct StridedLayout {
  int ndim = 1;  // after merging; at least 1
  int64_t shape[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  // Element offsets of linear (row-major) index i, for each operand. Index is the type of
  // the index arithmetic: uint32_t when every index fits (divisions are much cheaper).
  template <class Index>
  __device__ __forceinline__ void offsets(int64_t linear, int64_t* off) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    Index i = static_cast<Index>(linear);
    for (int d = ndim - 1; d >= 0; --d) {
      Index size = static_cast<Index>(shape[d]);
      Index q = i / size;
      int64_t r = static_cast<int64_t>(i - q * size);
      i = q;
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
    }
  }
  bool contiguous() const {
    if (ndim != 1) return false;
    for (int k = 0; k < N; ++k) {
      if (strides[k][0] != 1) return false;
    }
    return true;
  }
};

// Drops size-1 dims and merges neighbours that are contiguous for every operand.
template <int N>
StridedLayout<N> make_layout(const std::array<const StridedView*, N>& views) {
  StridedLayout<N> l;
  const StridedView& v0 = *views[0];
  int nd = 0;
  for (int d = 0; d < v0.ndim; ++d) {
    if (v0.shape[d] == 1) continue;
    l.shape[nd] = v0.shape[d];
    for (int k = 0; k < N; ++k) l.strides[k][nd] = views[k]->strides[d];
    ++nd;
  }
  if (nd == 0) {
    l.ndim = 1;
    l.shape[0] = 1;
    for (int k = 0; k < N; ++k) l.strides[k][0] = 1;
    return l;
  }
  int out = 0;
  for (int d = 1; d < nd; ++d) {
    bool mergeable = true;
    for (int k = 0; k < N; ++k) {
      if (l.strides[k][out] != l.strides[k][d] * l.shape[d]) mergeable = false;
    }
    if (mergeable) {
      l.shape[out] *= l.shape[d];
      for (int k = 0; k < N; ++k) l.strides[k][out] = l.strides[k][d];
    } else {
      ++out;
      l.shape[out] = l.shape[d];
      for (int k = 0; k < N; ++k) l.strides[k][out] = l.strides[k][d];
    }
  }
  l.ndim = out + 1;
  return l;
}

// n elements; every operand contiguous: off[k] = i.
template <int N, class F>
__global__ void contiguous_kernel(int64_t n, F f) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    int64_t off[N];
    for (int k = 0; k < N; ++k) off[k] = i;
    f(off);
  }
}

// n elements of any strides (stride 0 for broadcast dims).
template <int N, class Index, class F>
__global__ void strided_kernel(int64_t n, StridedLayout<N> layout, F f) {
  int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    int64_t off[N];
    layout.template offsets<Index>(i, off);
    f(off);
  }
}

// Runs f over every element of views[0]'s shape (all views share it).
template <int N, class F>
void launch_elementwise(const std::array<const StridedView*, N>& views, const F& f) {
  int64_t n = views[0]->numel();
  if (n == 0) return;
  StridedLayout<N> layout = make_layout<N>(views);
  if (layout.contiguous()) {
    contiguous_kernel<N, F><<<grid_for(n), kThreads, 0, cuda::compute_stream()>>>(n, f);
  } else if (n <= static_cast<int64_t>(UINT32_MAX)) {
    strided_kernel<N, uint32_t, F><<<grid_for(n), kThreads, 0, cuda::compute_stream()>>>(n, layout, f);
  } else {
    strided_kernel<N, uint64_t, F><<<grid_for(n), kThreads, 0, cuda::compute_stream()>>>(n, layout, f);
  }
  MSQ_CUDA_CHECK(cuda::launch_status());
}

}  // namespace msq::cuda
