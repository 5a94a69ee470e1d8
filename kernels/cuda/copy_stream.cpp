// The CUDA copy stream (kernels/copy_stream.h): a non-blocking stream for host-to-device
// copies beside the compute on the legacy default stream, and events between the two.
//
// The stream is created with cudaStreamNonBlocking: a blocking stream would wait for all
// earlier work of the legacy default stream (and that stream for it), and no copy could
// overlap the compute. The ordering is then only what the events say:
//   record_compute / copy_waits  the copy may overwrite device memory that the compute
//                                queued so far reads (a block the caching allocator handed
//                                out again, or a batch buffer);
//   record_copy / compute_waits  the compute reads the copied data only after the copy.
// "The compute" is the calling thread's compute stream (stream.h): the legacy default stream,
// or a CUDA graph's stream around its replay, which then waits for the batch's copy.
// Events are created without timing (cheaper to record and wait on) and reused; a handle is
// an index into events_. One stream per CopyStream, destroyed after its copies finish.
#include <cuda_runtime.h>

#include <memory>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/stream.h"

namespace msq {

namespace {

class CudaCopyStream final : public CopyStream {
 public:
  CudaCopyStream() { MSQ_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }

  static cudaStream_t compute() {
    cudaStream_t s = cuda::compute_stream();
    return s ? s : cudaStreamLegacy;
  }

  ~CudaCopyStream() override {
    cudaStreamSynchronize(stream_);  // no copy may outlive the buffers its caller frees next
    cudaStreamDestroy(stream_);
    for (cudaEvent_t e : events_) cudaEventDestroy(e);
    cudaGetLastError();
  }

  Event record_compute() override { return record(compute()); }
  void copy_waits(Event e) override { MSQ_CUDA_CHECK(cudaStreamWaitEvent(stream_, at(e), 0)); }

  void copy_from_host(void* dst, const void* src_host, size_t bytes) override {
    if (bytes) {
      MSQ_CUDA_CHECK(cudaMemcpyAsync(dst, src_host, bytes, cudaMemcpyHostToDevice, stream_));
    }
  }

  Event record_copy() override { return record(stream_); }
  void compute_waits(Event e) override {
    MSQ_CUDA_CHECK(cudaStreamWaitEvent(compute(), at(e), 0));
  }

  bool done(Event e) override {
    const cudaError_t err = cudaEventQuery(at(e));
    if (err == cudaErrorNotReady) {
      cudaGetLastError();  // not an error: clear it
      return false;
    }
    MSQ_CUDA_CHECK(err);
    return true;
  }

  void host_waits(Event e) override { MSQ_CUDA_CHECK(cudaEventSynchronize(at(e))); }

  void release(Event e) override {
    check(e < in_use_.size() && in_use_[e], "copy stream", "release of an unknown event ", e);
    in_use_[e] = false;
    free_.push_back(e);
  }

 private:
  Event record(cudaStream_t stream) {
    Event e;
    if (!free_.empty()) {
      e = free_.back();
      free_.pop_back();
    } else {
      cudaEvent_t ev;
      MSQ_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
      e = events_.size();
      events_.push_back(ev);
      in_use_.push_back(false);
    }
    in_use_[e] = true;
    MSQ_CUDA_CHECK(cudaEventRecord(events_[e], stream));
    return e;
  }

  cudaEvent_t at(Event e) const {
    check(e < in_use_.size() && in_use_[e], "copy stream", "unknown or released event ", e);
    return events_[e];
  }

  cudaStream_t stream_ = nullptr;
  std::vector<cudaEvent_t> events_;  // handle -> event
  std::vector<bool> in_use_;         // handle -> recorded and not yet released
  std::vector<Event> free_;          // released handles, for reuse
};

}  // namespace

std::unique_ptr<CopyStream> CudaBackend::new_copy_stream() {
  return std::make_unique<CudaCopyStream>();
}

}  // namespace msq
