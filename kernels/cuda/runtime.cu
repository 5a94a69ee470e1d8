// The CUDA runtime glue: device discovery (never throws, never crashes without a device),
// registration of the backend, synchronisation and the error checks of check.h.
#include <cstdlib>
#include <mutex>
#include <string>

#include "engine/core/error.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.h"

namespace msq {

namespace {

struct DeviceQuery {
  int count = 0;
  std::string reason;  // empty when count > 0
};

// Asks the driver once. cudaGetDeviceCount fails cleanly without a driver or device.
const DeviceQuery& device_query() {
  static DeviceQuery query;
  static std::once_flag once;
  std::call_once(once, [] {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      cudaGetLastError();  // clear the error state so later calls start clean
      query.count = 0;
      query.reason = cudaGetErrorString(err);
    } else if (count <= 0) {
      query.count = 0;
      query.reason = "no CUDA device found";
    } else {
      query.count = count;
    }
  });
  return query;
}

}  // namespace

bool cuda_available() { return device_query().count > 0; }
int cuda_device_count() { return device_query().count; }
std::string cuda_unavailable_reason() {
  const DeviceQuery& q = device_query();
  return q.count > 0 ? "CUDA is available" : q.reason;
}

void cuda_synchronize() {
  if (cuda_available()) MSQ_CUDA_CHECK(cudaDeviceSynchronize());
}

void CudaBackend::synchronize() { MSQ_CUDA_CHECK(cudaDeviceSynchronize()); }

// Registers the backend object; touches no device, so it is safe without one (backend()
// checks cuda_available() before handing it out).
void register_cuda_backend() {
  static CudaBackend cuda;
  set_backend(DeviceType::CUDA, &cuda);
}

namespace cuda {

void check_cuda(cudaError_t err, const char* expr, const char* file, int line) {
  if (err == cudaSuccess) return;
  fail("cuda", expr, " failed: ", cudaGetErrorString(err), " (", file, ":", line, ")");
}

cudaError_t launch_status() {
  static const bool sync_each = [] {
    const char* v = std::getenv("MSQ_CUDA_SYNC");
    return v && *v && std::string(v) != "0";
  }();
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess && sync_each) err = cudaDeviceSynchronize();
  return err;
}

int multiprocessor_count() {
  static int count = [] {
    int device = 0, sms = 0;
    MSQ_CUDA_CHECK(cudaGetDevice(&device));
    MSQ_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    return sms > 0 ? sms : 1;
  }();
  return count;
}

}  // namespace cuda

}  // namespace msq
