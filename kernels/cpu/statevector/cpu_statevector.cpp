// The CPU StatevectorKernels: a thin virtual shell over the templates in gates.h and
// reductions.h, instantiated for complex64 (float planes) and complex128 (double planes).
#include <cstring>

#include "kernels/cpu/statevector/adjoint.h"
#include "kernels/cpu/statevector/chunks.h"
#include "kernels/cpu/statevector/lane_stages.h"
#include "kernels/cpu/statevector/pair_groups.h"
#include "kernels/statevector.h"

namespace msq::sv {
namespace {

template <class R>
class CpuStatevectorKernels final : public StatevectorKernels<R> {
 public:
  const char* name() const override { return "cpu"; }

  void set_zero_state(R* psi, int n) const override {
    std::memset(psi, 0, sizeof(R) * size_t(2 * kLanes) << n);
    for (int l = 0; l < kLanes; ++l) psi[l] = R(1);
  }
  void axpy(R* y, const R* x, int n, const R* c) const override { cpu::axpy(y, x, n, c); }
  void apply_matrix1(R* psi, int n, int bit, uint64_t ctrl, const R* m) const override {
    cpu::apply_matrix1(psi, n, bit, ctrl, m);
  }
  void apply_real_matrix1(R* psi, int n, int bit, uint64_t ctrl, const R* m,
                          int planes) const override {
    cpu::apply_real_matrix1(psi, n, bit, ctrl, m, planes);
  }
  void apply_diagonal1(R* psi, int n, int bit, uint64_t ctrl, const R* d) const override {
    cpu::apply_diagonal1(psi, n, bit, ctrl, d);
  }
  void apply_x(R* psi, int n, int bit, uint64_t ctrl) const override {
    cpu::apply_x(psi, n, bit, ctrl);
  }
  void apply_swap(R* psi, int n, int a, int b, uint64_t ctrl) const override {
    cpu::apply_swap(psi, n, a, b, ctrl);
  }
  void swap_lane_bit(R* psi, int n, int lane_bit, int bit) const override {
    cpu::swap_lane_bit(psi, n, lane_bit, bit);
  }
  void apply_matrix2(R* psi, int n, int hi, int lo, const R* m) const override {
    cpu::apply_matrix2(psi, n, hi, lo, m);
  }
  void apply_lane_matrix1(R* psi, int n, int lane_bit, uint64_t ctrl, const R* ab,
                          bool real) const override {
    cpu::apply_lane_matrix1(psi, n, lane_bit, ctrl, ab, real);
  }
  void apply_lane_block(R* psi, int n, int select_bit, const R* m, bool real,
                        int planes) const override {
    cpu::apply_lane_block(psi, n, select_bit, m, real, planes);
  }
  void apply_lane_stages(R* psi, int n, int select_bit, int count, const int* lane_bits,
                         const R* coeffs, const int* perms, bool real,
                         int planes) const override {
    cpu::apply_lane_stages(psi, n, select_bit, count, lane_bits, coeffs, perms, real, planes);
  }
  void apply_real_pairs2(R* psi, int n, int hi, int lo, const int* idx,
                         const R* m, int planes) const override {
    cpu::apply_real_pairs2(psi, n, hi, lo, idx, m, planes);
  }
  void apply_pairs2(R* psi, int n, int hi, int lo, const int* idx, const R* m) const override {
    cpu::apply_pairs2(psi, n, hi, lo, idx, m);
  }
  void apply_real_pairs_group(R* psi, int n, int count, const int* bits, const int* idx,
                              const R* m, int planes) const override {
    cpu::apply_real_pairs_group(psi, n, count, bits, idx, m, planes);
  }
  void apply_pairs_group(R* psi, int n, int count, const int* bits, const int* idx,
                         const R* m) const override {
    cpu::apply_pairs_group(psi, n, count, bits, idx, m);
  }
  void apply_real_matrix2(R* psi, int n, int hi, int lo, const R* m,
                          int planes) const override {
    cpu::apply_real_matrix2(psi, n, hi, lo, m, planes);
  }
  void gather_rows(const R* psi, R* chunk, const int64_t* run_start, int64_t runs,
                   int run_bits) const override {
    cpu::gather_rows(psi, chunk, run_start, runs, run_bits);
  }
  void scatter_rows(R* psi, const R* chunk, const int64_t* run_start, int64_t runs,
                    int run_bits, bool stream) const override {
    cpu::scatter_rows(psi, chunk, run_start, runs, run_bits, stream);
  }
  void inner_matrix1(const R* lam, const R* psi, int n, int bit, uint64_t ctrl, const R* m,
                     double* out) const override {
    cpu::inner_matrix1(lam, psi, n, bit, ctrl, m, out);
  }
  void inner_matrix2(const R* lam, const R* psi, int n, int hi, int lo, const R* m,
                     double* out) const override {
    cpu::inner_matrix2(lam, psi, n, hi, lo, m, out);
  }
  void pauli_expval(const R* psi, int n, uint64_t x, uint64_t z, int ny,
                    double* out) const override {
    cpu::pauli_expval(psi, n, x, z, ny, out);
  }
  void pauli_accumulate(R* lam, const R* psi, int n, uint64_t x, uint64_t z, int ny,
                        const R* c) const override {
    cpu::pauli_accumulate(lam, psi, n, x, z, ny, c);
  }
  void adjoint_block1(R* psi, R* lam, int n, int bit, uint64_t ctrl,
                      const AdjointStep<R>* steps, int count, double* out) const override {
    cpu::adjoint_block1(psi, lam, n, bit, ctrl, steps, count, out);
  }
  void zstrings_expval(const R* psi, int n, const uint64_t* zmasks, int count,
                       double* out) const override {
    cpu::zstrings_expval(psi, n, zmasks, count, out);
  }
  void zstrings_accumulate(R* lam, const R* psi, int n, const uint64_t* zmasks, int count,
                           const R* c) const override {
    cpu::zstrings_accumulate(lam, psi, n, zmasks, count, c);
  }
  void probabilities(const R* psi, int n, double* out) const override {
    cpu::probabilities(psi, n, out);
  }
};

}  // namespace

const StatevectorKernels<float>& cpu_statevector_kernels_c64() {
  static const CpuStatevectorKernels<float> k;
  return k;
}
const StatevectorKernels<double>& cpu_statevector_kernels_c128() {
  static const CpuStatevectorKernels<double> k;
  return k;
}

}  // namespace msq::sv
