// The operands of one tensor in a multi-tensor optimiser step or fill (Backend::
// adam_step_multi, sgd_step_multi, fill_multi): every view contiguous, one floating dtype
// across the whole list.
#pragma once
#include <cstdint>

#include "kernels/strided_view.h"

namespace msq {

struct AdamOperands {
  StridedView param, grad, exp_avg, exp_avg_sq;
  int64_t step = 1;  // this tensor's step number (1-based): its bias correction
  // The staged form (kernels/common/optim_math.h): float64 [3] on the tensors' device,
  // [lr, lr / (1 - beta1^t), 1 / sqrt(1 - beta2^t)], read by the kernel when it runs (step
  // and the lr argument unused). data == nullptr: the plain form.
  StridedView staged;
};

struct SgdOperands {
  StridedView param, grad;
  StridedView momentum_buffer;  // data == nullptr when momentum is 0
  bool first = false;           // the buffer is new this step
  // The staged form: float64 [1] on the tensors' device, the learning rate, read by the kernel
  // when it runs (the lr argument unused). data == nullptr: the plain form.
  StridedView staged_lr;
};

}  // namespace msq
