// GPU statevector benchmarks (issue 9's workloads), timed with CUDA events on the default
// stream: one warm-up, then `--runs` timed runs (default 15), median reported.
//  - QML-8x4 at batch 256, complex64: forward; forward + VJP (inputs and weights);
//  - the study's three circuits at the sizes of PERFORMANCE.md's PyTorch table (QCNN 4x2 at
//    256, QDenseNet/QResNet 10x6 at 256 with amplitude embedding, QEfficientNet 12x6 at 64):
//    forward + VJP;
//  - the device-to-device copy bandwidth (cudaMemcpy of 1 GiB; GB/s of reads + writes);
//  - large states (2^24..2^28 amplitudes, `--large-max`): one RY and one CNOT, and the
//    1000-gate circuit (RY on every qubit then a CNOT ring, repeated) per original gate.
// Output: one line per workload, and with --json FILE a JSON object {workload: ms} that
// tools/bench/torch_statevector_bench.py reads for its comparison table.
// Without a CUDA device it prints why and exits 0 with no rows.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/msq.h"
#include "engine/quantum/gpu_simulator.h"
#include "engine/quantum/large_state.h"
#include "device_timing.h"

#ifdef MSQ_WITH_CUDA
#include <cuda_runtime.h>
#endif

using namespace msq;
using namespace msq::quantum;

namespace {

// Milliseconds of `work` on the default stream, median of `runs` after one warm-up.
double median_ms(int runs, const std::function<void()>& work) {
  work();
  cuda_synchronize();
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) ms.push_back(msq::bench::time_on_device(work));
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

struct Results {
  std::map<std::string, double> ms;
  void add(const std::string& name, double v, const char* unit = "ms") {
    ms[name] = v;
    std::printf("msq %-40s %10.4f %s\n", name.c_str(), v, unit);
    std::fflush(stdout);
  }
};

void bench_circuit(Results& res, const std::string& name, const Circuit& c, int64_t B,
                   bool forward_only_too, int runs) {
  const GpuCircuit gc(std::make_shared<const Circuit>(c));
  manual_seed(1);
  const TensorOptions on = TensorOptions(DType::Float32).with_device(Device::cuda());
  const Tensor x = uniform({B, int64_t(c.n_inputs())}, 0.05, 1.0).to(Device::cuda());
  const Tensor w = uniform({int64_t(c.n_weights())}, 0.0, 6.28).to(Device::cuda());
  const Tensor g = uniform({B, int64_t(c.n_observables())}, -1.0, 1.0).to(Device::cuda());
  (void)on;
  if (forward_only_too)
    res.add(name + " forward",
            median_ms(runs, [&] { gc.expectation_values(x, w, Precision::Complex64); }));
  res.add(name + " forward+vjp", median_ms(runs, [&] {
            Tensor states;
            gc.expectation_values(x, w, Precision::Complex64, &states);
            gc.vjp(x, w, g, Precision::Complex64, states, true, true);
          }));
}

#ifdef MSQ_WITH_CUDA
void bench_copy(Results& res, int runs) {
  const size_t bytes = size_t(1) << 30;
  void *a = nullptr, *b = nullptr;
  if (cudaMalloc(&a, bytes) != cudaSuccess || cudaMalloc(&b, bytes) != cudaSuccess) {
    std::printf("copy bandwidth: cannot allocate 2 GiB\n");
    cudaGetLastError();
    return;
  }
  cudaMemset(a, 1, bytes);
  const double ms = median_ms(runs, [&] { cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice); });
  res.add("d2d copy 1 GiB", ms);
  res.add("d2d copy bandwidth (read+write)", 2.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
  cudaFree(a);
  cudaFree(b);
}
#endif

void bench_large(Results& res, int n_max, int runs) {
  for (int n = 24; n <= n_max; n += 2) {
    LargeState s(n, Precision::Complex64);
    const std::string tag = "n=" + std::to_string(n);
    s.reset();
    res.add("ry " + tag, median_ms(runs, [&] {
              s.ry(n / 2, 0.3);
              s.flush();
            }));
    res.add("ry low target " + tag, median_ms(runs, [&] {
              s.ry(n - 1, 0.3);
              s.flush();
            }));
    res.add("cnot " + tag, median_ms(runs, [&] {
              s.cnot(n / 3, n - 2);
              s.flush();
            }));
    // 1000 gates: RY on every qubit then a CNOT ring, repeated
    std::vector<std::pair<int, int>> gates;  // (-1, wire) = RY, (c, t) = CNOT
    while (gates.size() < 1000) {
      for (int q = 0; q < n && gates.size() < 1000; ++q) gates.push_back({-1, q});
      for (int q = 0; q < n && gates.size() < 1000; ++q) gates.push_back({q, (q + 1) % n});
    }
    const double ms = median_ms(std::max(3, runs / 3), [&] {
      for (const auto& [c, t] : gates) {
        if (c < 0)
          s.ry(t, 0.1 + 0.01 * t);
        else
          s.cnot(c, t);
      }
      s.flush();
    });
    res.add("1000-gate circuit per gate " + tag, ms / 1000.0);
    res.add("expval z0 " + tag, median_ms(runs, [&] { s.expval_z(0); }));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 15, large_max = 28;
  std::string json;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--json") && i + 1 < argc)
      json = argv[++i];
    else if (!std::strcmp(argv[i], "--large-max") && i + 1 < argc)
      large_max = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--runs N] [--json FILE] [--large-max N]\n", argv[0]);
      return 2;
    }
  }
  if (!cuda_available()) {
    std::printf("gpu_statevector_bench: no CUDA device (%s); nothing measured\n",
                cuda_unavailable_reason().c_str());
    return 0;
  }
  Results res;
  try {
    bench_circuit(res, "qml8x4 b256", qml_workload_circuit(8, 4), 256, true, runs);
    bench_circuit(res, "qcnn 4x2 b256", qcnn_circuit(4, 2), 256, false, runs);
    bench_circuit(res, "qdense 10x6 b256", qdense_circuit(10, 6), 256, false, runs);
    bench_circuit(res, "qefficient 12x6 b64", qefficient_circuit(12, 6), 64, false, runs);
#ifdef MSQ_WITH_CUDA
    bench_copy(res, runs);
#endif
    bench_large(res, large_max, runs);
  } catch (const std::exception& e) {
    std::printf("gpu_statevector_bench: %s\n", e.what());
    return 1;
  }
  if (!json.empty()) {
    std::ofstream out(json);
    out << "{\n";
    size_t i = 0;
    for (const auto& [k, v] : res.ms)
      out << "  \"" << k << "\": " << v << (++i < res.ms.size() ? ",\n" : "\n");
    out << "}\n";
  }
  return 0;
}
