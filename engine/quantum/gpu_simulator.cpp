#include "engine/quantum/gpu_simulator.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linalg.h"
#include "engine/ops/reduce.h"

#ifdef MSQ_WITH_CUDA
#include "kernels/cuda/statevector/small_circuit.h"
#endif

namespace msq::quantum {

#ifdef MSQ_WITH_CUDA
struct GpuCircuit::Device {
  std::shared_ptr<const cuda::DeviceProgram> program;
  // parameter-shift tables on the device (float64; cast per call)
  Tensor run_slot, run_shift, coef, to_inputs, to_weights;
};
#else
struct GpuCircuit::Device {};
#endif

namespace {

constexpr int kMaxGpuQubits = 16;

DType real_type(Precision p) {
  return p == Precision::Complex128 ? DType::Float64 : DType::Float32;
}

// A contiguous copy in `dt` on the device (the same tensor when it already is one).
Tensor as_device_real(const Tensor& t, DType dt, const char* op) {
  check(t.device().is_cuda(), op, "tensor on ", t.device().str(), ", expected a CUDA device");
  return t.to(dt).contiguous();
}

}  // namespace

bool gpu_simulator_supports(const Circuit& c) {
#ifdef MSQ_WITH_CUDA
  return c.n_wires() <= kMaxGpuQubits;
#else
  (void)c;
  return false;
#endif
}

GpuCircuit::GpuCircuit(std::shared_ptr<const Circuit> circuit, bool fuse)
    : circuit_(std::move(circuit)),
      program_(compile_gpu_program(*circuit_, fuse)),
      runs_(parameter_shift_runs(program_)) {}

GpuCircuit::~GpuCircuit() = default;

const GpuCircuit::Device& GpuCircuit::device() const {
#ifdef MSQ_WITH_CUDA
  if (!device_) {
    auto d = std::make_shared<Device>();
    d->program = cuda::upload_program(program_.view());
    const int64_t R = int64_t(runs_.slot.size());
    const TensorOptions on = TensorOptions(DType::Float64).with_device(msq::Device::cuda());
    d->run_slot =
        from_vector(runs_.slot, {R}, TensorOptions(DType::Int64).with_device(msq::Device::cuda()));
    d->run_shift = from_vector(runs_.shift, {R}, on);
    d->coef = from_vector(runs_.coef, {R}, on);
    d->to_inputs = from_vector(runs_.to_inputs, {R, int64_t(program_.n_inputs)}, on);
    d->to_weights = from_vector(runs_.to_weights, {R, int64_t(program_.n_weights)}, on);
    device_ = d;
  }
  return *device_;
#else
  fail("quantum gpu", "msq was built without CUDA (MSQ_WITH_CUDA=OFF)");
#endif
}

Tensor GpuCircuit::expectation_values(const Tensor& x, const Tensor& w, Precision precision,
                                      Tensor* final_states) const {
  const char* op = "quantum gpu forward";
  const Circuit& c = *circuit_;
  check(c.n_wires() <= kMaxGpuQubits, op, c.n_wires(), " qubits: the GPU simulator takes up to ",
        kMaxGpuQubits);
  check(x.dim() == 1 || x.dim() == 2, op, "input must be [B, ", c.n_inputs(), "] or [",
        c.n_inputs(), "], got ", x.dim(), "-D");
  check(x.size(-1) == c.n_inputs() || (c.n_inputs() == 0 && x.numel() == 0), op, "input has ",
        x.size(-1), " features, the circuit takes ", c.n_inputs());
  check(w.numel() == c.n_weights(), op, "weights hold ", w.numel(), " values, the circuit needs ",
        c.n_weights());
  const int64_t B = x.dim() == 2 ? x.size(0) : 1;
  const int64_t K = c.n_observables();
  const DType rt = real_type(precision);
  const Tensor xr = as_device_real(x, rt, op), wr = as_device_real(w, rt, op);
  const TensorOptions on(TensorOptions(rt).with_device(x.device()));
  Tensor y = Tensor::empty({B, K}, on);
  if (final_states) *final_states = Tensor::empty({B, int64_t(1) << c.n_wires(), 2}, on);
  if (B > 0 && K > 0) {
#ifdef MSQ_WITH_CUDA
    const sv::Program& p = device().program->view;
    if (rt == DType::Float64)
      cuda::small_circuit_forward<double>(p, B, xr.numel() ? xr.data<double>() : nullptr,
                                          wr.data<double>(), y.data<double>(),
                                          final_states ? final_states->data<double>() : nullptr);
    else
      cuda::small_circuit_forward<float>(p, B, xr.numel() ? xr.data<float>() : nullptr,
                                         wr.data<float>(), y.data<float>(),
                                         final_states ? final_states->data<float>() : nullptr);
#else
    device();
#endif
  }
  const DType out = is_floating(x.dtype()) ? x.dtype() : DType::Float32;
  y = y.to(out);
  return x.dim() == 2 ? y : y.reshape({K});
}

std::pair<Tensor, Tensor> GpuCircuit::vjp(const Tensor& x, const Tensor& w, const Tensor& g,
                                          Precision precision, const Tensor& final_states,
                                          bool want_x, bool want_w) const {
  const char* op = "quantum gpu vjp";
  const Circuit& c = *circuit_;
  const int64_t B = x.dim() == 2 ? x.size(0) : 1;
  const int64_t K = c.n_observables();
  check(g.numel() == B * K, op, "upstream gradient holds ", g.numel(), " values, expected ", B,
        " x ", K);
  const DType rt = real_type(precision);
  const Tensor xr = as_device_real(x, rt, op), wr = as_device_real(w, rt, op);
  const Tensor gr = as_device_real(g, rt, op);
  const TensorOptions on(TensorOptions(rt).with_device(x.device()));
  Tensor gx = want_x ? Tensor::empty({B, int64_t(c.n_inputs())}, on) : Tensor();
  Tensor gw = want_w ? Tensor::empty({int64_t(c.n_weights())}, on) : Tensor();
  if (want_x && B * c.n_inputs() > 0 && K == 0) gx = zeros(gx.shape(), on);
  if (want_w && c.n_weights() > 0 && (K == 0 || B == 0)) gw = zeros(gw.shape(), on);
  const bool kept = final_states.defined();
  if (kept)
    check(final_states.dtype() == rt && final_states.numel() == (B << c.n_wires()) * 2, op,
          "final states do not match the batch and precision");
  if (B > 0 && K > 0 && (want_x || want_w)) {
#ifdef MSQ_WITH_CUDA
    const sv::Program& p = device().program->view;
    auto run = [&](auto zero) {
      using R = decltype(zero);
      cuda::small_circuit_vjp<R>(p, B, xr.numel() ? xr.data<R>() : nullptr, wr.data<R>(),
                                 gr.data<R>(), kept ? final_states.data<R>() : nullptr,
                                 want_x && gx.numel() ? gx.data<R>() : nullptr,
                                 want_w && gw.numel() ? gw.data<R>() : nullptr);
    };
    if (rt == DType::Float64)
      run(0.0);
    else
      run(0.0f);
#else
    device();
#endif
  }
  std::pair<Tensor, Tensor> out;
  if (want_x)
    out.first = gx.to(is_floating(x.dtype()) ? x.dtype() : DType::Float32).reshape(x.shape());
  if (want_w)
    out.second = gw.to(is_floating(w.dtype()) ? w.dtype() : DType::Float32).reshape(w.shape());
  return out;
}

std::pair<Tensor, Tensor> GpuCircuit::parameter_shift_vjp(const Tensor& x, const Tensor& w,
                                                          const Tensor& g, Precision precision,
                                                          bool want_x, bool want_w) const {
  const char* op = "quantum gpu parameter-shift";
  const Circuit& c = *circuit_;
  check(!(c.embedding() && want_x), op,
        "amplitude-embedding inputs have no shift rule; use adjoint or finite differences");
  const int64_t B = x.dim() == 2 ? x.size(0) : 1;
  const int64_t K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t R = int64_t(runs_.slot.size());
  check(g.numel() == B * K, op, "upstream gradient holds ", g.numel(), " values, expected ", B,
        " x ", K);
  const DType rt = real_type(precision);
  const TensorOptions on(TensorOptions(rt).with_device(x.device()));
  std::pair<Tensor, Tensor> out;
  if (want_x) out.first = zeros({B, I}, on);
  if (want_w) out.second = zeros({W}, on);
  if (R > 0 && B > 0 && K > 0 && (want_x || want_w)) {
#ifdef MSQ_WITH_CUDA
    const Device& d = device();
    const sv::Program& p = d.program->view;
    const Tensor xr = as_device_real(x, rt, op), wr = as_device_real(w, rt, op);
    const Tensor gr = as_device_real(g, rt, op).reshape({B, 1, K});
    const Tensor shift = d.run_shift.to(rt);
    Tensor rows = Tensor::empty({B * R, int64_t(p.n_slots)}, on);
    Tensor e = Tensor::empty({B * R, K}, on);
    auto run = [&](auto zero) {
      using T = decltype(zero);
      const T* xp = xr.numel() ? xr.data<T>() : nullptr;
      cuda::shifted_slot_rows<T>(p, B, xp, wr.data<T>(), d.run_slot.data<int64_t>(),
                                 shift.data<T>(), R, rows.data<T>());
      cuda::small_circuit_forward_rows<T>(p, B * R, R, xp, rows.data<T>(), e.data<T>());
    };
    if (rt == DType::Float64)
      run(0.0);
    else
      run(0.0f);
    // d[b][r] = coef_r <g_b, E[b][r]>; then onto the inputs and (summed over b) the weights
    const Tensor dr = mul(sum(mul(e.reshape({B, R, K}), gr), {2}), d.coef.to(rt));
    if (want_x && I > 0) out.first = matmul(dr, d.to_inputs.to(rt));
    if (want_w && W > 0) out.second = sum(matmul(dr, d.to_weights.to(rt)), {0});
#else
    device();
#endif
  }
  if (want_x)
    out.first =
        out.first.to(is_floating(x.dtype()) ? x.dtype() : DType::Float32).reshape(x.shape());
  if (want_w)
    out.second =
        out.second.to(is_floating(w.dtype()) ? w.dtype() : DType::Float32).reshape(w.shape());
  return out;
}

}  // namespace msq::quantum
