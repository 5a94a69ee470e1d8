// CUDA graphs for static-shape steps (kernels/step_graph.h): capture on a stream of the
// graph's own, replay with cudaGraphLaunch.
//
// The stream is created blocking (cudaStreamDefault): its work and the legacy default
// stream's wait for each other, so eager work, synchronous copies and the copy stream's
// events order with replays as they do with eager kernels. During a capture that same
// property makes any legacy-stream call of the capturing thread (a synchronous cudaMemcpy,
// an item()) an error that invalidates the capture instead of reading memory the captured
// kernels have not written. The capture mode is cudaStreamCaptureModeThreadLocal: loader
// threads may still call cudaHostAlloc meanwhile.
//
// Memory: the capture allocates from a private pool of the caching allocator (graph_pool.h),
// released when the graph is dropped (a new capture, or the destructor) after the stream is
// idle.
#include <cuda_runtime.h>

#include <exception>
#include <string>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/graph_pool.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

class CudaStepGraph final : public StepGraph {
 public:
  CudaStepGraph() { MSQ_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamDefault)); }

  ~CudaStepGraph() override {
    drop();
    cudaStreamDestroy(stream_);
    cudaGetLastError();
  }

  void run_eager(const std::function<void()>& work) override {
    cuda::ComputeStreamScope scope(stream_);
    work();
  }

  bool capture(const std::function<void()>& work) override {
    drop();
    failure_.clear();
    cuda::ComputeStreamScope scope(stream_);
    cuda::PoolId pool = 0;
    try {
      pool = cuda::begin_graph_pool();
    } catch (const std::exception& e) {  // another thread is capturing
      failure_ = e.what();
      return false;
    }
    cudaError_t err = cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal);
    if (err != cudaSuccess) {
      cudaGetLastError();
      cuda::end_graph_pool();
      cuda::release_graph_pool(pool);
      failure_ = std::string("[cuda graph] cudaStreamBeginCapture failed: ") + cudaGetErrorString(err);
      return false;
    }
    std::string work_error;
    try {
      work();
    } catch (const std::exception& e) {
      work_error = e.what();
    }
    cudaGraph_t graph = nullptr;
    err = cudaStreamEndCapture(stream_, &graph);  // ends it even when the work failed
    cuda::end_graph_pool();
    if (work_error.empty() && err == cudaSuccess && graph) {
      err = cudaGraphInstantiate(&exec_, graph, 0);
    }
    if (graph) cudaGraphDestroy(graph);
    if (!work_error.empty() || err != cudaSuccess || !exec_) {
      cudaGetLastError();  // capture errors are not sticky: clear the last one
      exec_ = nullptr;
      // Nothing of the capture ran or will run: its blocks may go back to the shared cache.
      cuda::release_graph_pool(pool);
      failure_ = !work_error.empty() ? work_error
                 : err != cudaSuccess
                     ? std::string("[cuda graph] capture failed: ") + cudaGetErrorString(err)
                     : std::string("[cuda graph] capture gave no graph");
      return false;
    }
    pool_ = pool;
    return true;
  }

  void replay() override {
    check(exec_ != nullptr, "cuda graph", "replay without a captured graph");
    MSQ_CUDA_CHECK(cudaGraphLaunch(exec_, stream_));
  }

  bool captured() const override { return exec_ != nullptr; }
  const std::string& failure() const override { return failure_; }

 private:
  // Destroys the graph once its last replay has finished, and hands its pool back.
  void drop() {
    if (exec_) {
      cudaStreamSynchronize(stream_);
      cudaGraphExecDestroy(exec_);
      exec_ = nullptr;
    }
    if (pool_) {
      cuda::release_graph_pool(pool_);
      pool_ = 0;
    }
    cudaGetLastError();
  }

  cudaStream_t stream_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  cuda::PoolId pool_ = 0;
  std::string failure_;
};

}  // namespace

std::unique_ptr<StepGraph> CudaBackend::new_step_graph() {
  return std::make_unique<CudaStepGraph>();
}

bool CudaBackend::capturing() const { return cuda::compute_stream_capturing(); }

}  // namespace msq
