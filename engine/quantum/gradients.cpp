// vjp() and jacobian() by the three methods; the adjoint sweep itself is in adjoint.cpp.
#include "engine/quantum/gradients.h"

#include <cmath>

#include "engine/quantum/adjoint.h"
#include "engine/quantum/runner.h"

namespace msq::quantum {

const char* diff_method_name(DiffMethod m) {
  switch (m) {
    case DiffMethod::Adjoint: return "adjoint";
    case DiffMethod::ParameterShift: return "parameter-shift";
    case DiffMethod::FiniteDiff: return "finite-diff";
  }
  return "?";
}

DiffMethod diff_method_from_name(const std::string& name) {
  if (name == "adjoint") return DiffMethod::Adjoint;
  if (name == "parameter-shift" || name == "parameter_shift" || name == "ps")
    return DiffMethod::ParameterShift;
  if (name == "finite-diff" || name == "finite_diff" || name == "fd") return DiffMethod::FiniteDiff;
  fail("quantum", "unknown gradient method '", name,
       "' (adjoint, parameter-shift or finite-diff)");
}

namespace {

struct ShiftTerm {
  double shift, coef;
};

// The shift rule of one parameter of a gate.
std::vector<ShiftTerm> shift_rule(GateKind kind) {
  const double h = M_PI / 2;
  switch (kind) {
    case GateKind::CRX: case GateKind::CRY: case GateKind::CRZ: {
      // generator eigenvalues {0, +-1/2}: four terms
      const double c1 = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0));
      const double c2 = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
      return {{h, c1}, {-h, -c1}, {3 * h, -c2}, {-3 * h, c2}};
    }
    default:  // RX RY RZ Rot PhaseShift ControlledPhaseShift: two frequencies at most 1
      return {{h, 0.5}, {-h, -0.5}};
  }
}

Jacobian parameter_shift(const Circuit& c, const Batch& batch, const SimOptions& o,
                         const GradRequest& req) {
  check(!(c.embedding() && req.inputs), "parameter-shift",
        "amplitude-embedding inputs have no shift rule; use adjoint or finite differences");
  const int S = c.n_slots(), K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t B = batch.size;
  const std::vector<double> theta = detail::resolve_angles(c, batch);
  // (slot, term) pairs to run, for the slots whose gradient is wanted
  struct Run { int gate, slot; Param param; ShiftTerm term; };
  std::vector<Run> runs;
  int s = 0;
  for (size_t gi = 0; gi < c.gates().size(); ++gi)
    for (const Param& p : c.gates()[gi].params) {
      const bool want = (p.source == Param::Source::Input && req.inputs) ||
                        (p.source == Param::Source::Weight && req.weights);
      if (want)
        for (const ShiftTerm& t : shift_rule(c.gates()[gi].kind)) runs.push_back({int(gi), s, p, t});
      ++s;
    }
  Jacobian j;
  if (req.inputs) j.inputs.assign(size_t(B) * K * I, 0.0);
  if (req.weights) j.weights.assign(size_t(B) * K * W, 0.0);
  if (runs.empty()) return j;
  // rows: [B][runs], each the sample's angles with one slot shifted
  const int64_t R = int64_t(runs.size());
  std::vector<double> shifted(size_t(B * R) * S);
  std::vector<int64_t> row_sample(B * R);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < R; ++r) {
      double* row = shifted.data() + (b * R + r) * S;
      std::copy_n(theta.data() + b * S, S, row);
      row[runs[r].slot] += runs[r].term.shift;
      row_sample[b * R + r] = b;
    }
  std::vector<double> f(size_t(B * R) * K);
  detail::with_precision(o.precision, [&](auto x) {
    using Real = decltype(x);
    const detail::Runner<Real> run(c, detail::compile_ops(c, o.fuse), shifted.data(), B * R,
                                   batch.inputs.data(), row_sample);
    detail::for_tiles(run.tiles(), o.threads, [&](int64_t t) {
      std::vector<Real> psi(run.tile_values());
      std::vector<double> e(size_t(detail::L) * K);
      run.run(t, psi.data());
      run.expvals(psi.data(), e.data());
      for (int l = 0; l < detail::L && t * detail::L + l < B * R; ++l)
        std::copy_n(e.data() + l * K, K, f.data() + (t * detail::L + l) * K);
    });
    return 0;
  });
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < R; ++r) {
      const Run& run = runs[r];
      const bool in = run.param.source == Param::Source::Input;
      double* dst = in ? j.inputs.data() : j.weights.data();
      const int width = in ? I : W;
      for (int k = 0; k < K; ++k)
        dst[(b * K + k) * width + run.param.index] +=
            run.param.scale * run.term.coef * f[(b * R + r) * K + k];
    }
  return j;
}

Jacobian finite_diff(const Circuit& c, const Batch& batch, const SimOptions& o,
                     const GradRequest& req) {
  const int K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t B = batch.size;
  const double h =
      req.fd_step > 0 ? req.fd_step : (o.precision == Precision::Complex128 ? 1e-6 : 1e-3);
  Jacobian j;
  if (req.inputs) {
    j.inputs.assign(size_t(B) * K * I, 0.0);
    for (int i = 0; i < I; ++i) {
      Batch plus = batch, minus = batch;
      for (int64_t b = 0; b < B; ++b) {
        plus.inputs[b * I + i] += h;
        minus.inputs[b * I + i] -= h;
      }
      const auto fp = expectation_values(c, plus, o), fm = expectation_values(c, minus, o);
      for (int64_t b = 0; b < B; ++b)
        for (int k = 0; k < K; ++k)
          j.inputs[(b * K + k) * I + i] = (fp[b * K + k] - fm[b * K + k]) / (2 * h);
    }
  }
  if (req.weights) {
    j.weights.assign(size_t(B) * K * W, 0.0);
    for (int w = 0; w < W; ++w) {
      Batch plus = batch, minus = batch;
      plus.weights[w] += h;
      minus.weights[w] -= h;
      const auto fp = expectation_values(c, plus, o), fm = expectation_values(c, minus, o);
      for (int64_t b = 0; b < B; ++b)
        for (int k = 0; k < K; ++k)
          j.weights[(b * K + k) * W + w] = (fp[b * K + k] - fm[b * K + k]) / (2 * h);
    }
  }
  return j;
}

}  // namespace

Jacobian jacobian(const Circuit& c, const Batch& batch, DiffMethod method, const SimOptions& o,
                  const GradRequest& req) {
  check_batch(c, batch, "jacobian");
  if (method == DiffMethod::ParameterShift) return parameter_shift(c, batch, o, req);
  if (method == DiffMethod::FiniteDiff) return finite_diff(c, batch, o, req);
  const int K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t B = batch.size;
  Jacobian j;
  if (req.inputs) j.inputs.assign(size_t(B) * K * I, 0.0);
  if (req.weights) j.weights.assign(size_t(B) * K * W, 0.0);
  std::vector<double> g(size_t(B) * K), gi(size_t(B) * I), gw(size_t(B) * W);
  for (int k = 0; k < K; ++k) {
    std::fill(g.begin(), g.end(), 0.0);
    for (int64_t b = 0; b < B; ++b) g[b * K + k] = 1.0;
    detail::adjoint_sweep(c, batch, g.data(), o, req.inputs ? gi.data() : nullptr,
                          req.weights ? gw.data() : nullptr);
    for (int64_t b = 0; b < B; ++b) {
      if (req.inputs) std::copy_n(gi.data() + b * I, I, j.inputs.data() + (b * K + k) * I);
      if (req.weights) std::copy_n(gw.data() + b * W, W, j.weights.data() + (b * K + k) * W);
    }
  }
  return j;
}

Gradients vjp(const Circuit& c, const Batch& batch, const std::vector<double>& g,
              DiffMethod method, const SimOptions& o, const GradRequest& req,
              const FinalStates* states) {
  check_batch(c, batch, "vjp");
  const int K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t B = batch.size;
  check(int64_t(g.size()) == B * K, "vjp", "upstream gradient holds ", g.size(),
        " values, expected ", B, " x ", K);
  Gradients out;
  if (req.inputs) out.inputs.assign(size_t(B) * I, 0.0);
  if (req.weights) out.weights.assign(W, 0.0);
  if (method == DiffMethod::Adjoint) {
    std::vector<double> gw(req.weights ? size_t(B) * W : 0);
    if (states && (states->precision != o.precision || states->batch != B)) states = nullptr;
    detail::adjoint_sweep(c, batch, g.data(), o, req.inputs ? out.inputs.data() : nullptr,
                          req.weights ? gw.data() : nullptr, states);
    for (int64_t b = 0; b < B && req.weights; ++b)
      for (int w = 0; w < W; ++w) out.weights[w] += gw[b * W + w];
    return out;
  }
  const Jacobian j = jacobian(c, batch, method, o, req);
  for (int64_t b = 0; b < B; ++b)
    for (int k = 0; k < K; ++k) {
      const double gk = g[b * K + k];
      if (req.inputs)
        for (int i = 0; i < I; ++i) out.inputs[b * I + i] += gk * j.inputs[(b * K + k) * I + i];
      if (req.weights)
        for (int w = 0; w < W; ++w) out.weights[w] += gk * j.weights[(b * K + k) * W + w];
    }
  return out;
}

}  // namespace msq::quantum
