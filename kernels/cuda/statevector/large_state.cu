#include "kernels/cuda/statevector/large_state.h"

#include <cstddef>
#include <vector>

#include "engine/core/error.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.h"

namespace msq::cuda {
namespace {

using sv::Cx;

constexpr int kTileThreads = 256;

// psi: [2^n] complex; one block per tile of 2^k amplitudes (blockIdx.x = tile number);
// pass_in: the pass in device memory, copied to shared memory first (every thread then reads
// the same gate at the same time).
template <class R>
__global__ void __launch_bounds__(kTileThreads)
    tile_pass_kernel(Cx<R>* psi, const sv::TilePass* pass_in) {
  extern __shared__ __align__(16) unsigned char smem[];
  __shared__ sv::TilePass pass;
  static_assert(sizeof(sv::TilePass) % sizeof(uint32_t) == 0, "TilePass is copied as words");
  // the header and the gates in use only
  const size_t used =
      offsetof(sv::TilePass, gates) + size_t(pass_in->n_gates) * sizeof(sv::TileGate);
  for (uint32_t i = threadIdx.x; i < used / sizeof(uint32_t); i += blockDim.x)
    reinterpret_cast<uint32_t*>(&pass)[i] = reinterpret_cast<const uint32_t*>(pass_in)[i];
  __syncthreads();
  Cx<R>* t = reinterpret_cast<Cx<R>*>(smem);
  const uint32_t size = 1u << pass.k;
  uint64_t base = blockIdx.x;
  for (int j = 0; j < pass.k; ++j) base = sv::insert_zero_bit(base, pass.bits[j]);
  auto global = [&](uint32_t local) {
    uint64_t g = base;
    for (int j = 0; j < pass.k; ++j)
      if ((local >> j) & 1u) g |= uint64_t(1) << pass.bits[j];
    return g;
  };
  // Consecutive threads read consecutive amplitudes (the tile's low bits are the state's),
  // 16 bytes each: two complex64 amplitudes (l even: global(l) even, so 16-byte aligned), or
  // one complex128.
  constexpr uint32_t per = sizeof(Cx<R>) == 8 ? 2 : 1;
  for (uint32_t l = per * threadIdx.x; l < size; l += per * blockDim.x) {
    if constexpr (per == 2) {
      const float4 v = *reinterpret_cast<const float4*>(psi + global(l));
      t[l] = {v.x, v.y};
      t[l + 1] = {v.z, v.w};
    } else {
      t[l] = psi[global(l)];
    }
  }
  __syncthreads();
  for (int g = 0; g < pass.n_gates; ++g) {
    for (uint32_t q = threadIdx.x; q < size / 2; q += blockDim.x)
      sv::apply_tile_gate_item(t, pass.gates[g], q);
    __syncthreads();
  }
  for (uint32_t l = per * threadIdx.x; l < size; l += per * blockDim.x) {
    if constexpr (per == 2) {
      *reinterpret_cast<float4*>(psi + global(l)) =
          make_float4(t[l].re, t[l].im, t[l + 1].re, t[l + 1].im);
    } else {
      psi[global(l)] = t[l];
    }
  }
}

struct Plus {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// partials[block] = sum over its amplitudes of |psi_i|^2 (-1)^{popc(i & zmask)}.
template <class R>
__global__ void z_partials_kernel(const Cx<R>* psi, int64_t dim, uint64_t zmask, double* partials) {
  __shared__ double scratch[32];
  double acc = 0;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < dim;
       i += int64_t(gridDim.x) * blockDim.x) {
    const Cx<R> a = psi[i];
    const double p = double(a.re) * a.re + double(a.im) * a.im;
    acc += sv::parity64(uint64_t(i) & zmask) ? -p : p;
  }
  acc = block_reduce(acc, Plus(), scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

template <class R>
__global__ void probabilities_kernel(const Cx<R>* psi, int64_t dim, R* out) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < dim;
       i += int64_t(gridDim.x) * blockDim.x) {
    const Cx<R> a = psi[i];
    out[i] = a.re * a.re + a.im * a.im;
  }
}

}  // namespace

template <class R>
void run_tile_passes(R* psi, int n, const sv::TilePass* passes, int count) {
  if (count == 0) return;
  for (int i = 0; i < count; ++i) {
    const sv::TilePass& p = passes[i];
    check(p.k >= 1 && p.k <= sv::kTileBits && p.k <= n, "run_tile_passes", "tile of ", p.k,
          " bits on ", n, " qubits");
    check(p.n_gates <= sv::kMaxTileGates, "run_tile_passes", p.n_gates, " gates in one pass");
  }
  // every pass uploaded at once (one copy per flush), then one launch per pass
  Allocator& alloc = backend(Device::cuda()).allocator();
  const size_t bytes = size_t(count) * sizeof(sv::TilePass);
  auto* device_passes = static_cast<sv::TilePass*>(alloc.allocate(bytes));
  MSQ_CUDA_CHECK(cudaMemcpy(device_passes, passes, bytes, cudaMemcpyHostToDevice));
  for (int i = 0; i < count; ++i) {
    const int64_t tiles = int64_t(1) << (n - passes[i].k);
    const size_t shared = (size_t(1) << passes[i].k) * sizeof(Cx<R>);
    tile_pass_kernel<R><<<unsigned(tiles), kTileThreads, shared>>>(reinterpret_cast<Cx<R>*>(psi),
                                                                   device_passes + i);
    MSQ_CUDA_CHECK(launch_status());
  }
  alloc.deallocate(device_passes, bytes);  // reused only by work queued after these kernels
}

template <class R>
double z_expectation(const R* psi, int n, uint64_t zmask) {
  const int64_t dim = int64_t(1) << n;
  const unsigned blocks = grid_for(dim);
  Allocator& alloc = backend(Device::cuda()).allocator();
  double* partials = static_cast<double*>(alloc.allocate(blocks * sizeof(double)));
  z_partials_kernel<R>
      <<<blocks, kThreads>>>(reinterpret_cast<const Cx<R>*>(psi), dim, zmask, partials);
  MSQ_CUDA_CHECK(launch_status());
  std::vector<double> host(blocks);
  MSQ_CUDA_CHECK(
      cudaMemcpy(host.data(), partials, blocks * sizeof(double), cudaMemcpyDeviceToHost));
  alloc.deallocate(partials, blocks * sizeof(double));
  double sum = 0;
  for (double v : host) sum += v;
  return sum;
}

template <class R>
void probabilities(const R* psi, int n, R* out) {
  const int64_t dim = int64_t(1) << n;
  probabilities_kernel<R>
      <<<grid_for(dim), kThreads>>>(reinterpret_cast<const Cx<R>*>(psi), dim, out);
  MSQ_CUDA_CHECK(launch_status());
}

template void run_tile_passes<float>(float*, int, const sv::TilePass*, int);
template void run_tile_passes<double>(double*, int, const sv::TilePass*, int);
template double z_expectation<float>(const float*, int, uint64_t);
template double z_expectation<double>(const double*, int, uint64_t);
template void probabilities<float>(const float*, int, float*);
template void probabilities<double>(const double*, int, double*);

}  // namespace msq::cuda
