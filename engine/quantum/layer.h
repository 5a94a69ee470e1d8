// The quantum layer for autograd: a custom Function (QuantumFunction) that runs a circuit on
// a batch and returns its expectation values, with gradients by the adjoint method (or
// parameter-shift / finite differences) for the inputs and the weights; and QuantumLayer, an
// nn::Module owning the weights as one parameter "weights".
//
//   auto layer = std::make_shared<quantum::QuantumLayer>(quantum::qefficient_circuit(4, 2));
//   Tensor y = (*layer)(x);  // x: [B, n_inputs] -> y: [B, n_observables]
//
// Weights start uniform in [0, 2 pi) from the global generator (msq::manual_seed), as
// PennyLane's TorchLayer initialises them. The simulation runs in complex64 (or complex128,
// LayerOptions::sim): on the GPU (gpu_simulator.h, one fused kernel per direction, no host
// round trip) when x is on a CUDA device, the method is the adjoint or parameter-shift and
// the circuit has at most 16 qubits; otherwise on the CPU, tensors on another device copied
// there and back.
#pragma once
#include <memory>

#include "engine/autograd/function.h"
#include "engine/nn/module.h"
#include "engine/quantum/gpu_simulator.h"
#include "engine/quantum/gradients.h"

namespace msq::quantum {

struct LayerOptions {
  DiffMethod method = DiffMethod::Adjoint;
  SimOptions sim;
  Shape weight_shape;  // the parameter's shape (e.g. {n_layers, n_qubits, 3}); default {n_weights}
};

// inputs {x: [B, n_inputs] or [n_inputs], weights: [n_weights] (any shape of that size)}
// -> {y: [B, K] or [K]}, in x's dtype.
class QuantumFunction final : public Function {
 public:
  // gpu: the circuit compiled for the GPU (made on first use when null and x is on CUDA).
  QuantumFunction(std::shared_ptr<const Circuit> circuit, LayerOptions options,
                  std::shared_ptr<const GpuCircuit> gpu = nullptr)
      : circuit_(std::move(circuit)), options_(std::move(options)), gpu_(std::move(gpu)) {}
  const char* name() const override { return "QuantumFunction"; }
  std::vector<Tensor> forward(FunctionCtx& ctx, const std::vector<Tensor>& inputs) override;
  std::vector<Tensor> backward(FunctionCtx& ctx, const std::vector<Tensor>& grads) override;

 private:
  // Whether this call runs on the GPU simulator.
  bool on_gpu(const Tensor& x) const;

  std::shared_ptr<const Circuit> circuit_;
  LayerOptions options_;
  std::shared_ptr<const GpuCircuit> gpu_;
  FinalStates states_;  // the forward's final states, for an adjoint backward (small states)
  Tensor gpu_states_;   // the same on the GPU
};

// y = <O_k>(x, weights) through autograd.
Tensor quantum_expval(const std::shared_ptr<const Circuit>& circuit, const Tensor& x,
                      const Tensor& weights, const LayerOptions& options = {},
                      std::shared_ptr<const GpuCircuit> gpu = nullptr);

class QuantumLayer : public nn::Module {
 public:
  explicit QuantumLayer(Circuit circuit, LayerOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "QuantumLayer"; }
  const Circuit& circuit() const { return *circuit_; }
  LayerOptions& options() { return options_; }
  Tensor& weights() { return own_parameters().front().second; }

 private:
  std::shared_ptr<const Circuit> circuit_;
  LayerOptions options_;
  std::shared_ptr<const GpuCircuit> gpu_;  // compiled on first use on a CUDA device
};

}  // namespace msq::quantum
