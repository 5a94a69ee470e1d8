// The device allocator's side of CUDA-graph capture (the policy: block_cache.h). A capture
// runs as: one eager step (fills the cache), `begin_graph_pool()` on the capturing thread,
// cudaStreamBeginCapture(..., cudaStreamCaptureModeThreadLocal), the step, EndCapture,
// `end_graph_pool()`. While the pool is open, a request the cache cannot serve throws
// `[cuda allocator] graph capture needs ...` instead of calling cudaMalloc; the caller ends
// the capture, discards the graph and falls back to eager steps. The pool lives as long as
// the graph: `release_graph_pool` once the graph exec is destroyed and the device is idle.
#pragma once
#include "kernels/cuda/block_cache.h"

namespace msq::cuda {

// A new pool for a capture on this thread (or `reuse`, a pool not yet released, to capture
// the same step again). Throws if a capture is already open.
PoolId begin_graph_pool(PoolId reuse = 0);
void end_graph_pool();
void release_graph_pool(PoolId pool);

}  // namespace msq::cuda
