// The adjoint method (gradients.h): one forward run and one backward sweep per tile of
// samples, with the combined observable per sample.
#include "engine/quantum/adjoint.h"

#include "engine/quantum/runner.h"

namespace msq::quantum::detail {

namespace {

template <class R>
void sweep(const Circuit& c, const Batch& batch, const double* g, const SimOptions& o,
           double* gin, double* gw) {
  const int n = c.n_wires(), K = c.n_observables(), I = c.n_inputs(), W = c.n_weights();
  const int64_t B = batch.size;
  const std::vector<double> theta = resolve_angles(c, batch);
  const Runner<R> fwd(c, compile_ops(c, o.fuse), theta.data(), B, batch.inputs.data());
  const Runner<R> bwd(c, compile_ops(c, false), theta.data(), B, batch.inputs.data());
  const auto& gates = c.gates();
  const auto& slots = bwd.slots();
  // which gates have a parameter whose gradient is wanted
  std::vector<char> wanted(gates.size(), 0);
  for (size_t gi = 0; gi < gates.size(); ++gi)
    for (const Param& p : gates[gi].params)
      if ((p.source == Param::Source::Input && gin) || (p.source == Param::Source::Weight && gw))
        wanted[gi] = 1;
  if (gin) std::fill(gin, gin + B * I, 0.0);
  if (gw) std::fill(gw, gw + B * W, 0.0);
  const int64_t dim = int64_t(1) << n;

  for_tiles(fwd.tiles(), o.threads, [&](int64_t t) {
    thread_local std::vector<R> psi, lam, tmp;
    psi.resize(fwd.tile_values());
    lam.assign(fwd.tile_values(), R(0));
    fwd.run(t, psi.data());
    const auto& k = fwd.k();
    const int valid = int(std::min<int64_t>(L, B - t * L));

    // |lam> = sum_k g[b][k] O_k |psi>
    for (int kk = 0; kk < K; ++kk) {
      alignas(64) R coef[L];
      for (int l = 0; l < L; ++l) coef[l] = l < valid ? R(g[(t * L + l) * K + kk]) : R(0);
      const Observable& obs = c.observables()[kk];
      if (obs.kind == Observable::Kind::Pauli) {
        uint64_t x, z;
        int ny;
        fwd.pauli_masks(obs, &x, &z, &ny);
        k.pauli_accumulate(lam.data(), psi.data(), n, x, z, ny, coef);
      } else {
        alignas(64) R block[4 * 2 * L];
        fwd.hermitian_block(obs, block);
        tmp = psi;
        k.apply_matrix1(tmp.data(), n, wire_bit(n, obs.wire), 0, block);
        k.axpy(lam.data(), tmp.data(), n, coef);
      }
    }

    // walk the gates backwards
    const auto& ops = bwd.ops();
    for (size_t i = ops.size(); i-- > 0;) {
      const Op& op = ops[i];
      const int gi = op.gates[0];
      bwd.apply(t, op, psi.data(), /*inverse=*/true);
      if (wanted[gi]) {
        const Gate& gate = gates[gi];
        for (size_t p = 0; p < gate.params.size(); ++p) {
          const Param& par = gate.params[p];
          double* dst = par.source == Param::Source::Input ? gin
                        : par.source == Param::Source::Weight ? gw : nullptr;
          if (!dst) continue;
          Mat2 d[L];
          for (int l = 0; l < L; ++l)
            d[l] = target_derivative(gate, bwd.angles(bwd.row(t, l), gi), int(p));
          alignas(64) R block[4 * 2 * L];
          static const int all[4] = {0, 1, 2, 3};
          fill_block(block, d, all, 4);
          double out[2 * L];
          k.inner_matrix1(lam.data(), psi.data(), n, op.bit, op.ctrl, block, out);
          const int stride = par.source == Param::Source::Input ? I : W;
          for (int l = 0; l < valid; ++l)
            dst[(t * L + l) * stride + par.index] += par.scale * 2.0 * out[l];
        }
        (void)slots;
      }
      bwd.apply(t, op, lam.data(), /*inverse=*/true);
    }

    // amplitude embedding: lam is now A |phi> with phi = a / |a| real
    if (c.embedding() && gin) {
      const AmplitudeEmbedding& e = *c.embedding();
      for (int l = 0; l < valid; ++l) {
        const int64_t b = t * L + l;
        double norm;
        const std::vector<double> phi = embedded_amplitudes(c, batch.inputs.data() + b * I, &norm);
        double dot = 0.0;
        std::vector<double> gphi(dim);
        for (int64_t j = 0; j < dim; ++j) {
          gphi[j] = 2.0 * double(lam[(j * 2) * L + l]);
          dot += phi[j] * gphi[j];
        }
        const double scale = e.normalize ? 1.0 / norm : 1.0;
        for (int j = 0; j < e.length; ++j)
          gin[b * I + e.offset + j] +=
              e.normalize ? scale * (gphi[j] - phi[j] * dot) : gphi[j];
      }
    }
  });
}

}  // namespace

void adjoint_sweep(const Circuit& c, const Batch& batch, const double* g, const SimOptions& o,
                   double* grad_inputs, double* grad_weights) {
  with_precision(o.precision, [&](auto r) {
    sweep<decltype(r)>(c, batch, g, o, grad_inputs, grad_weights);
    return 0;
  });
}

}  // namespace msq::quantum::detail
