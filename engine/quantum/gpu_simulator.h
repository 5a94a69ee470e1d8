// The GPU statevector simulator for small circuits (n <= 16 qubits), for tensors on a CUDA
// device: the circuit is compiled once (gpu_program.h) and uploaded on first use; a forward
// is one fused kernel launch and an adjoint VJP one more (kernels/cuda/statevector/), with
// inputs, weights, upstream gradients and results on the device (no host round trip).
// complex64 or complex128 (SimOptions::precision). Without a CUDA build every call fails
// with a clear message; gpu_simulator_supports() says when the GPU path applies.
#pragma once
#include <memory>

#include "engine/core/tensor.h"
#include "engine/quantum/gpu_program.h"
#include "engine/quantum/simulator.h"

namespace msq::quantum {

// Whether the fused GPU kernels take this circuit (a CUDA build and n <= 16 qubits).
bool gpu_simulator_supports(const Circuit& c);

class GpuCircuit {
 public:
  explicit GpuCircuit(std::shared_ptr<const Circuit> circuit, bool fuse = true);
  ~GpuCircuit();
  const Circuit& circuit() const { return *circuit_; }
  const GpuProgram& program() const { return program_; }

  // x: [B, I] or [I] on CUDA, w: any shape of n_weights values on CUDA -> [B, K] or [K], in
  // x's floating dtype (float32 for integer x). With `final_states`, also the final states
  // [B, 2^n, 2] in the precision's real type, for vjp().
  Tensor expectation_values(const Tensor& x, const Tensor& w, Precision precision,
                            Tensor* final_states = nullptr) const;

  // g: [B, K] (x's leading shape) upstream gradients. Returns {grad_x like x (or undefined
  // when !want_x), grad_w like w (or undefined when !want_w)}. `final_states` from
  // expectation_values() on the same x, w and precision, or undefined (simulated again).
  std::pair<Tensor, Tensor> vjp(const Tensor& x, const Tensor& w, const Tensor& g,
                                Precision precision, const Tensor& final_states, bool want_x,
                                bool want_w) const;

  // The same VJP by parameter-shift: one batched forward over every sample's shifted slot
  // values (two runs per rotation or phase slot, four per controlled rotation), contracted
  // with g on the device. Amplitude-embedding inputs have no shift rule (an error when
  // want_x and the circuit embeds amplitudes).
  std::pair<Tensor, Tensor> parameter_shift_vjp(const Tensor& x, const Tensor& w, const Tensor& g,
                                                Precision precision, bool want_x,
                                                bool want_w) const;

 private:
  struct Device;
  const Device& device() const;

  std::shared_ptr<const Circuit> circuit_;
  GpuProgram program_;
  ShiftRuns runs_;                                // parameter-shift
  mutable std::shared_ptr<const Device> device_;  // uploaded on first use
};

}  // namespace msq::quantum
