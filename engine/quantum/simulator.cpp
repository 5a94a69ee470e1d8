#include "engine/quantum/simulator.h"

#include <random>
#include <type_traits>

#include "engine/quantum/runner.h"

namespace msq::quantum {

using detail::L;

void check_batch(const Circuit& c, const Batch& b, const char* op) {
  check(b.size >= 1, op, "batch size must be >= 1, got ", b.size);
  check(int64_t(b.inputs.size()) == b.size * c.n_inputs(), op, "inputs hold ", b.inputs.size(),
        " values, the circuit needs ", b.size, " x ", c.n_inputs());
  check(int64_t(b.weights.size()) == c.n_weights(), op, "weights hold ", b.weights.size(),
        " values, the circuit needs ", c.n_weights());
  for (size_t i = 0; i < b.inputs.size(); ++i)
    check(std::isfinite(b.inputs[i]), op, "input [", i / std::max(1, c.n_inputs()), ", ",
          i % std::max(1, c.n_inputs()), "] is ", b.inputs[i]);
  for (size_t i = 0; i < b.weights.size(); ++i)
    check(std::isfinite(b.weights[i]), op, "weight ", i, " is ", b.weights[i]);
  if (c.embedding())
    for (int64_t s = 0; s < b.size; ++s) {
      double norm;
      detail::embedded_amplitudes(c, b.inputs.data() + s * c.n_inputs(), &norm);
    }
}

namespace {

// Runs every tile and hands (tile, psi) to `visit` on the tile's thread.
template <class R, class Visit>
void simulate(const Circuit& c, const Batch& batch, const SimOptions& o, Visit&& visit) {
  const std::vector<double> theta = detail::resolve_angles(c, batch);
  if (detail::use_lane_layout(c, batch.size, o)) {
    const int rows = c.n_wires() - detail::kLaneBits;
    detail::check_memory(rows, sizeof(R), 1, "simulate");
    const detail::ChunkShape chunk = detail::chunk_shape(rows, sizeof(R), o, c.n_wires());
    std::vector<int> perm;
    std::vector<detail::Op> ops = detail::compile_lane_ops(c, o.fuse, &perm, true);
    const detail::Runner<R> run(c, std::move(ops), theta.data(), 1, batch.inputs.data(), {},
                                perm);
    detail::StateStorage<R> psi(run.tile_values());
    if (o.fold_real && c.n_wires() >= detail::kFoldedMinQubits && run.real_circuit()) {
      std::vector<int> folded_perm;
      std::vector<detail::Op> folded_ops =
          detail::compile_lane_ops(c, o.fuse, &folded_perm, true, true);
      const detail::Runner<R> folded(c, std::move(folded_ops), theta.data(), 1,
                                     batch.inputs.data(), {}, folded_perm, true);
      const detail::ChunkShape half = detail::chunk_shape(rows - 1, sizeof(R), o, c.n_wires());
      folded.run_passes(psi.data(), half);
      folded.unfold(psi.data());
      // the measurements read the complex layout, with the folded run's wire placement
      const detail::Runner<R> measure(c, {}, theta.data(), 1, batch.inputs.data(), {},
                                      folded_perm);
      visit(measure, 0, psi.data());
      return;
    }
    run.run_passes(psi.data(), chunk);
    visit(run, 0, psi.data());
    return;
  }
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  detail::check_memory(c.n_wires(), sizeof(R),
                       std::min<int64_t>(threads, (batch.size + L - 1) / L), "simulate");
  const detail::Runner<R> run(c, detail::compile_ops(c, o.fuse), theta.data(), batch.size,
                              batch.inputs.data());
  detail::for_tiles(run.tiles(), o.threads, [&](int64_t t) {
    thread_local detail::StateStorage<R> psi;  // whole cache lines per row (aligned)
    psi.resize(run.tile_values());
    run.run(t, psi.data());
    visit(run, t, psi.data());
  });
}

}  // namespace

std::vector<double> expectation_values(const Circuit& c, const Batch& batch,
                                       const SimOptions& o, FinalStates* keep) {
  check_batch(c, batch, "expval");
  const int K = c.n_observables();
  std::vector<double> out(size_t(batch.size) * K);
  const size_t tile_values = size_t(2 * L) << c.n_wires();
  const int64_t tiles = (batch.size + L - 1) / L;
  if (keep && detail::use_lane_layout(c, batch.size, o)) {
    *keep = FinalStates();  // gradients use the batch layout: keep nothing
    keep = nullptr;
  }
  if (keep) {
    keep->precision = o.precision;
    keep->batch = batch.size;
    keep->c64.clear();
    keep->c128.clear();
    if (o.precision == Precision::Complex64) keep->c64.resize(tile_values * tiles);
    if (o.precision == Precision::Complex128) keep->c128.resize(tile_values * tiles);
  }
  detail::with_precision(o.precision, [&](auto r) {
    using R = decltype(r);
    simulate<R>(c, batch, o, [&](const detail::Runner<R>& run, int64_t t, const R* psi) {
      if (keep) {
        R* dst;
        if constexpr (std::is_same_v<R, float>) dst = keep->c64.data(); else dst = keep->c128.data();
        std::copy_n(psi, tile_values, dst + t * tile_values);
      }
      std::vector<double> tile(size_t(L) * K);
      run.expvals(psi, tile.data());
      for (int l = 0; l < L && t * L + l < batch.size; ++l)
        std::copy_n(tile.data() + l * K, K, out.data() + (t * L + l) * K);
    });
    return 0;
  });
  return out;
}

std::vector<double> probabilities(const Circuit& c, const Batch& batch,
                                  const std::vector<int>& wires_in, const SimOptions& o) {
  check_batch(c, batch, "probs");
  const int n = c.n_wires();
  std::vector<int> wires = wires_in;
  if (wires.empty())
    for (int w = 0; w < n; ++w) wires.push_back(w);
  for (size_t i = 0; i < wires.size(); ++i) {
    check(wires[i] >= 0 && wires[i] < n, "probs", "wire ", wires[i], " out of range [0, ", n,
          ")");
    for (size_t j = 0; j < i; ++j)
      check(wires[i] != wires[j], "probs", "wire ", wires[i], " repeated");
  }
  const int m = int(wires.size());
  const int64_t dim = int64_t(1) << n, out_dim = int64_t(1) << m;
  std::vector<double> out(size_t(batch.size) * out_dim, 0.0);
  detail::with_precision(o.precision, [&](auto r) {
    using R = decltype(r);
    simulate<R>(c, batch, o, [&](const detail::Runner<R>& run, int64_t t, const R* psi) {
      if (run.lane_layout()) {
        double* dst = out.data();
        for (int64_t i = 0; i < dim; ++i) {
          int64_t j = 0;
          for (int q = 0; q < m; ++q) j = (j << 1) | ((i >> (n - 1 - wires[q])) & 1);
          dst[j] += std::norm(run.at(psi, run.physical(i)));
        }
        return;
      }
      std::vector<double> p(size_t(dim) * L);
      run.k().probabilities(psi, n, p.data());
      for (int l = 0; l < L && t * L + l < batch.size; ++l) {
        double* dst = out.data() + (t * L + l) * out_dim;
        for (int64_t i = 0; i < dim; ++i) {
          int64_t j = 0;
          for (int q = 0; q < m; ++q) j = (j << 1) | ((i >> (n - 1 - wires[q])) & 1);
          dst[j] += p[i * L + l];
        }
      }
    });
    return 0;
  });
  return out;
}

std::vector<int64_t> sample(const Circuit& c, const Batch& batch, int64_t shots, uint64_t seed,
                            const SimOptions& o) {
  check(shots >= 1, "sample", "shots must be >= 1, got ", shots);
  const std::vector<double> p = probabilities(c, batch, {}, o);
  const int64_t dim = int64_t(1) << c.n_wires();
  std::vector<int64_t> out(size_t(batch.size) * shots);
  for (int64_t b = 0; b < batch.size; ++b) {
    // one stream per sample: the result for sample b does not depend on the batch size
    std::mt19937_64 gen(seed + 0x9e3779b97f4a7c15ull * uint64_t(b + 1));
    std::vector<double> cdf(dim);
    double acc = 0.0;
    for (int64_t i = 0; i < dim; ++i) cdf[i] = (acc += p[b * dim + i]);
    std::uniform_real_distribution<double> u(0.0, acc);
    for (int64_t s = 0; s < shots; ++s) {
      const double v = u(gen);
      int64_t i = std::upper_bound(cdf.begin(), cdf.end(), v) - cdf.begin();
      out[b * shots + s] = std::min(i, dim - 1);
    }
  }
  return out;
}

std::vector<double> shot_expectation_values(const Circuit& c, const Batch& batch, int64_t shots,
                                            uint64_t seed, const SimOptions& o) {
  const int K = c.n_observables(), n = c.n_wires();
  std::vector<double> out(size_t(batch.size) * K);
  for (int k = 0; k < K; ++k) {
    const Observable& obs = c.observables()[k];
    // rotate each measured wire into the Z basis; the outcome's eigenvalue is the product
    Circuit rotated = c;
    std::vector<std::pair<int, std::array<double, 2>>> factors;  // wire, eigenvalues (bit 0, 1)
    if (obs.kind == Observable::Kind::Pauli) {
      for (const auto& [w, p] : obs.paulis) {
        if (p == 'X') rotated.add(GateKind::H, {w});
        if (p == 'Y') {
          rotated.add(GateKind::Unitary1, {w}, {},
                      {cdouble(1 / std::sqrt(2.0)), cdouble(0, -1 / std::sqrt(2.0)),
                       cdouble(1 / std::sqrt(2.0)), cdouble(0, 1 / std::sqrt(2.0))});
        }
        factors.push_back({w, {1.0, -1.0}});
      }
    } else {
      // Hermitian 2x2: eigenvectors as the rows of the rotation
      const cdouble a = obs.matrix[0], b = obs.matrix[1], d = obs.matrix[3];
      const double mean = 0.5 * (a.real() + d.real()), half = 0.5 * (a.real() - d.real());
      const double rad = std::sqrt(half * half + std::norm(b));
      const double e0 = mean + rad, e1 = mean - rad;
      std::array<cdouble, 2> v0, v1;
      if (std::abs(b) < 1e-14) {
        v0 = a.real() >= d.real() ? std::array<cdouble, 2>{1.0, 0.0} : std::array<cdouble, 2>{0.0, 1.0};
        v1 = a.real() >= d.real() ? std::array<cdouble, 2>{0.0, 1.0} : std::array<cdouble, 2>{1.0, 0.0};
      } else {
        auto eig = [&](double e) {
          std::array<cdouble, 2> v{b, e - a};
          const double nv = std::sqrt(std::norm(v[0]) + std::norm(v[1]));
          return std::array<cdouble, 2>{v[0] / nv, v[1] / nv};
        };
        v0 = eig(e0);
        v1 = eig(e1);
      }
      rotated.add(GateKind::Unitary1, {obs.wire}, {},
                  {std::conj(v0[0]), std::conj(v0[1]), std::conj(v1[0]), std::conj(v1[1])});
      factors.push_back({obs.wire, {e0, e1}});
    }
    const std::vector<int64_t> s = sample(rotated, batch, shots, seed + uint64_t(k) * 7919, o);
    for (int64_t b = 0; b < batch.size; ++b) {
      double sum = 0.0;
      for (int64_t i = 0; i < shots; ++i) {
        double v = 1.0;
        for (const auto& [w, ev] : factors) v *= ev[(s[b * shots + i] >> (n - 1 - w)) & 1];
        sum += v;
      }
      out[b * K + k] = sum / double(shots);
    }
  }
  return out;
}

std::vector<cdouble> final_states(const Circuit& c, const Batch& batch, const SimOptions& o) {
  check_batch(c, batch, "state");
  const int64_t dim = int64_t(1) << c.n_wires();
  std::vector<cdouble> out(size_t(batch.size) * dim);
  detail::with_precision(o.precision, [&](auto r) {
    using R = decltype(r);
    simulate<R>(c, batch, o, [&](const detail::Runner<R>& run, int64_t t, const R* psi) {
      if (run.lane_layout()) {
        for (int64_t i = 0; i < dim; ++i) out[i] = run.at(psi, run.physical(i));
        return;
      }
      for (int l = 0; l < L && t * L + l < batch.size; ++l)
        for (int64_t i = 0; i < dim; ++i)
          out[(t * L + l) * dim + i] = cdouble(psi[(i * 2) * L + l], psi[(i * 2 + 1) * L + l]);
    });
    return 0;
  });
  return out;
}

}  // namespace msq::quantum
