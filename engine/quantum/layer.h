// The quantum layer for autograd: a custom Function (QuantumFunction) that runs a circuit on
// a batch and returns its expectation values, with gradients by the adjoint method (or
// parameter-shift / finite differences) for the inputs and the weights; and QuantumLayer, an
// nn::Module owning the weights as one parameter "weights".
//
//   auto layer = std::make_shared<quantum::QuantumLayer>(quantum::qefficient_circuit(4, 2));
//   Tensor y = (*layer)(x);  // x: [B, n_inputs] -> y: [B, n_observables]
//
// Weights start uniform in [0, 2 pi) from the global generator (msq::manual_seed), as
// PennyLane's TorchLayer initialises them. The simulation runs on the CPU in complex64 (or
// complex128, LayerOptions::sim); tensors on another device are copied there and back.
#pragma once
#include <memory>

#include "engine/autograd/function.h"
#include "engine/nn/module.h"
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
  QuantumFunction(std::shared_ptr<const Circuit> circuit, LayerOptions options)
      : circuit_(std::move(circuit)), options_(std::move(options)) {}
  const char* name() const override { return "QuantumFunction"; }
  std::vector<Tensor> forward(FunctionCtx& ctx, const std::vector<Tensor>& inputs) override;
  std::vector<Tensor> backward(FunctionCtx& ctx, const std::vector<Tensor>& grads) override;

 private:
  std::shared_ptr<const Circuit> circuit_;
  LayerOptions options_;
  FinalStates states_;  // the forward's final states, for an adjoint backward (small states)
};

// y = <O_k>(x, weights) through autograd.
Tensor quantum_expval(const std::shared_ptr<const Circuit>& circuit, const Tensor& x,
                      const Tensor& weights, const LayerOptions& options = {});

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
};

}  // namespace msq::quantum
