// The fused small-circuit statevector kernels (n <= kMaxSmallCircuitQubits): one group of
// threads per sample (one block, or several samples per block for tiny n), the state in
// shared memory (global memory when it does not fit), the whole circuit in one launch and
// the expectation values reduced in the same kernel; the adjoint VJP likewise in one launch
// (plus a deterministic sum of the per-sample weight gradients over the batch).
//
// The program (kernels/common/sv_program.h) is uploaded once (upload_program); the
// per-sample parameters come from x and w on the device. R = float (complex64) or double
// (complex128); every pointer is device memory, all work on the legacy default stream.
//   x: [B][n_inputs] R (null when n_inputs == 0), w: [n_weights] R
//   expvals: [B][n_obs] R; final_states: [B][2^n][2] R (re, im) or null
//   g: [B][n_obs] R, the upstream gradients; states: the forward's final states or null
//   (then the VJP kernel runs the forward itself); grad_x: [B][n_inputs] R or null (every
//   element written); grad_w: [n_weights] R or null (written, summed over the batch).
// This header is plain C++ (the engine includes it); the kernels are in the .cu files here.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/common/sv_program.h"

namespace msq::cuda {

inline constexpr int kMaxSmallCircuitQubits = 16;

// A program's arrays copied to the device; `view` points at them. Freed with the object.
struct DeviceProgram {
  sv::Program view;
  void* block = nullptr;
  size_t bytes = 0;
  ~DeviceProgram();
};
std::shared_ptr<const DeviceProgram> upload_program(const sv::Program& host);

template <class R>
void small_circuit_forward(const sv::Program& program, int64_t B, const R* x, const R* w,
                           R* expvals, R* final_states);

// The forward on `rows` rows of explicit slot values (parameter-shift: each sample's slots
// with one shifted per row): slot_rows: [rows][n_slots] R; row b embeds the inputs of sample
// b / rows_per_sample of x; expvals: [rows][n_obs] R.
template <class R>
void small_circuit_forward_rows(const sv::Program& program, int64_t rows, int64_t rows_per_sample,
                                const R* x, const R* slot_rows, R* expvals);

// slot_rows[b * R + r][s] = the value of slot s for sample b, plus run_shift[r] where
// s == run_slot[r] (r < R = runs). run_slot, run_shift: device arrays [runs].
template <class R>
void shifted_slot_rows(const sv::Program& program, int64_t B, const R* x, const R* w,
                       const int64_t* run_slot, const R* run_shift, int64_t runs, R* slot_rows);

template <class R>
void small_circuit_vjp(const sv::Program& program, int64_t B, const R* x, const R* w, const R* g,
                       const R* states, R* grad_x, R* grad_w);

}  // namespace msq::cuda
