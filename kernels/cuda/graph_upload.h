// Host bytes into device memory, safe inside a graph capture. Outside a capture it is a plain
// cudaMemcpy (synchronous, so the host block may go at once). During a capture of the
// compute stream a copy from pageable host memory cannot be captured, so the bytes travel
// as kernel arguments (a few KiB per launch): the graph keeps its own copy of them and no
// host memory has to outlive the capture. Used for the multi-tensor tables.
// upload_as_arguments always takes the kernel-argument way: queued on the compute stream,
// the host neither waits nor keeps the bytes (Backend::write_from_host).
#pragma once
#include <cstddef>

namespace msq::cuda {

void upload_to_device(void* dst, const void* src_host, size_t bytes);
void upload_as_arguments(void* dst, const void* src_host, size_t bytes);

}  // namespace msq::cuda
