#include "engine/quantum/layer.h"

#include <cmath>

#include "kernels/statevector.h"

namespace msq::quantum {
namespace {

// Whether a backward can follow (forward runs with recording off, so ask the inputs).
bool grad_enabled_for(const std::vector<Tensor>& in) {
  for (const Tensor& t : in)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Batch make_batch(const Circuit& c, const Tensor& x, const Tensor& w) {
  const int64_t I = c.n_inputs();
  check(x.dim() == 1 || x.dim() == 2, "QuantumLayer", "input must be [B, ", I, "] or [", I,
        "], got ", x.dim(), "-D");
  check(x.size(-1) == I || (I == 0 && x.numel() == 0), "QuantumLayer", "input has ",
        x.size(-1), " features, the circuit takes ", I);
  check(w.numel() == c.n_weights(), "QuantumLayer", "weights hold ", w.numel(),
        " values, the circuit needs ", c.n_weights());
  Batch b;
  b.size = x.dim() == 2 ? x.size(0) : 1;
  b.inputs = x.to_vector<double>();
  b.weights = w.to_vector<double>();
  return b;
}

}  // namespace

bool QuantumFunction::on_gpu(const Tensor& x) const {
  return x.device().is_cuda() && options_.method != DiffMethod::FiniteDiff &&
         gpu_simulator_supports(*circuit_);
}

std::vector<Tensor> QuantumFunction::forward(FunctionCtx& ctx, const std::vector<Tensor>& in) {
  const Tensor& x = in.at(0);
  const Tensor& w = in.at(1);
  if (on_gpu(x)) {
    if (!gpu_) gpu_ = std::make_shared<const GpuCircuit>(circuit_);
    const Tensor wd = w.device() == x.device() ? w : w.to(x.device());
    // keep the final states for the backward when they are small (<= 64 MiB)
    const int64_t B = x.dim() == 2 ? x.size(0) : 1;
    const bool keep = options_.method == DiffMethod::Adjoint && grad_enabled_for(in) &&
                      B * (int64_t(16) << circuit_->n_wires()) <= (int64_t(64) << 20);
    ctx.save_for_backward({x, w});
    return {gpu_->expectation_values(x, wd, options_.sim.precision, keep ? &gpu_states_ : nullptr)};
  }
  const Batch b = make_batch(*circuit_, x, w);
  // keep the final states for the adjoint backward when they are small (<= 64 MiB)
  const bool keep = options_.method == DiffMethod::Adjoint && grad_enabled_for(in) &&
                    (b.size + sv::kLanes) * (int64_t(16) << circuit_->n_wires()) <= (int64_t(64) << 20);
  const std::vector<double> y = expectation_values(*circuit_, b, options_.sim, keep ? &states_ : nullptr);
  ctx.save_for_backward({x, w});
  const int64_t K = circuit_->n_observables();
  const Shape shape = x.dim() == 2 ? Shape{b.size, K} : Shape{K};
  const DType dt = is_floating(x.dtype()) ? x.dtype() : DType::Float32;
  return {from_vector(y, shape, TensorOptions(dt).with_device(x.device()))};
}

std::vector<Tensor> QuantumFunction::backward(FunctionCtx& ctx, const std::vector<Tensor>& g) {
  const Tensor& x = ctx.saved().at(0);
  const Tensor& w = ctx.saved().at(1);
  const auto& need = ctx.needs_input_grad();
  GradRequest req;
  req.inputs = need.at(0);
  req.weights = need.at(1);
  std::vector<Tensor> out(2);
  if (!req.inputs && !req.weights) return out;
  if (on_gpu(x)) {
    const Tensor wd = w.device() == x.device() ? w : w.to(x.device());
    auto [gx, gw] = options_.method == DiffMethod::ParameterShift
                        ? gpu_->parameter_shift_vjp(x, wd, g.at(0), options_.sim.precision,
                                                    req.inputs, req.weights)
                        : gpu_->vjp(x, wd, g.at(0), options_.sim.precision, gpu_states_,
                                    req.inputs, req.weights);
    gpu_states_ = Tensor();
    out[0] = gx;
    out[1] = gw.defined() && gw.device() != w.device() ? gw.to(w.device()) : gw;
    return out;
  }
  const Batch b = make_batch(*circuit_, x, w);
  const Gradients grads = vjp(*circuit_, b, g.at(0).to_vector<double>(), options_.method,
                              options_.sim, req, states_.batch ? &states_ : nullptr);
  states_ = FinalStates();
  if (req.inputs)
    out[0] = from_vector(grads.inputs, x.shape(), TensorOptions(x.dtype()).with_device(x.device()));
  if (req.weights)
    out[1] = from_vector(grads.weights, w.shape(), TensorOptions(w.dtype()).with_device(w.device()));
  return out;
}

Tensor quantum_expval(const std::shared_ptr<const Circuit>& circuit, const Tensor& x,
                      const Tensor& weights, const LayerOptions& options,
                      std::shared_ptr<const GpuCircuit> gpu) {
  return apply_function(std::make_shared<QuantumFunction>(circuit, options, std::move(gpu)),
                        {x, weights})[0];
}

QuantumLayer::QuantumLayer(Circuit circuit, LayerOptions options)
    : circuit_(std::make_shared<const Circuit>(std::move(circuit))), options_(std::move(options)) {
  Shape shape = options_.weight_shape.empty() ? Shape{circuit_->n_weights()} : options_.weight_shape;
  check(shape_numel(shape) == circuit_->n_weights(), "QuantumLayer", "weight shape holds ",
        shape_numel(shape), " values, the circuit has ", circuit_->n_weights(), " weights");
  register_parameter("weights", uniform(shape, 0.0, 2 * M_PI));
}

Tensor QuantumLayer::forward(const Tensor& x) {
  if (x.device().is_cuda() && !gpu_ && gpu_simulator_supports(*circuit_))
    gpu_ = std::make_shared<const GpuCircuit>(circuit_);
  return quantum_expval(circuit_, x, weights(), options_, gpu_);
}

}  // namespace msq::quantum
