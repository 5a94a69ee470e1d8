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
};

struct SgdOperands {
  StridedView param, grad;
  StridedView momentum_buffer;  // data == nullptr when momentum is 0
  bool first = false;           // the buffer is new this step
};

}  // namespace msq
