// Walks N same-shaped strided views in strips: dims that are contiguous for every operand
// are merged, the innermost dim is cut into strips of at most kStrip elements, and strips
// run on OpenMP threads when there is enough work. The strip callback gets each operand's
// element offset of the strip's first element, each operand's inner stride, and the length.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "kernels/strided_view.h"

namespace msq::cpu {

constexpr int64_t kStrip = 16384;
constexpr int64_t kParallelAbove = 32768;  // elements

template <int N>
struct StridedLoop {
  int ndim = 0;  // after merging; at least 1
  int64_t shape[kMaxDims];
  int64_t strides[N][kMaxDims];
};

template <int N>
StridedLoop<N> make_loop(const std::array<const StridedView*, N>& views) {
  StridedLoop<N> loop;
  const StridedView& v0 = *views[0];
  // Drop size-1 dims, then merge neighbours that are contiguous for every operand.
  int nd = 0;
  for (int d = 0; d < v0.ndim; ++d) {
    if (v0.shape[d] == 1) continue;
    loop.shape[nd] = v0.shape[d];
    for (int k = 0; k < N; ++k) loop.strides[k][nd] = views[k]->strides[d];
    ++nd;
  }
  if (nd == 0) {
    loop.ndim = 1;
    loop.shape[0] = 1;
    for (int k = 0; k < N; ++k) loop.strides[k][0] = 1;
    return loop;
  }
  int out = 0;
  for (int d = 1; d < nd; ++d) {
    bool mergeable = true;
    for (int k = 0; k < N; ++k) {
      if (loop.strides[k][out] != loop.strides[k][d] * loop.shape[d]) mergeable = false;
    }
    if (mergeable) {
      loop.shape[out] *= loop.shape[d];
      for (int k = 0; k < N; ++k) loop.strides[k][out] = loop.strides[k][d];
    } else {
      ++out;
      loop.shape[out] = loop.shape[d];
      for (int k = 0; k < N; ++k) loop.strides[k][out] = loop.strides[k][d];
    }
  }
  loop.ndim = out + 1;
  return loop;
}

// f(const int64_t* offsets, const int64_t* inner_strides, int64_t length)
template <int N, class F>
void run_loop(const StridedLoop<N>& loop, F&& f) {
  int last = loop.ndim - 1;
  int64_t inner = loop.shape[last];
  int64_t chunks = (inner + kStrip - 1) / kStrip;
  int64_t outer = 1;
  for (int d = 0; d < last; ++d) outer *= loop.shape[d];
  int64_t strips = outer * chunks;
  int64_t inner_strides[N];
  for (int k = 0; k < N; ++k) inner_strides[k] = loop.strides[k][last];
  bool parallel = outer * inner > kParallelAbove && strips > 1;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t s = 0; s < strips; ++s) {
    int64_t o = s / chunks, c = s % chunks;
    int64_t offsets[N];
    for (int k = 0; k < N; ++k) offsets[k] = c * kStrip * inner_strides[k];
    for (int d = last - 1; d >= 0; --d) {
      int64_t i = o % loop.shape[d];
      o /= loop.shape[d];
      for (int k = 0; k < N; ++k) offsets[k] += i * loop.strides[k][d];
    }
    f(static_cast<const int64_t*>(offsets), static_cast<const int64_t*>(inner_strides),
      std::min(kStrip, inner - c * kStrip));
  }
}

}  // namespace msq::cpu
