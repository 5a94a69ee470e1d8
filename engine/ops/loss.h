// Softmax and the losses.
#pragma once
#include "engine/core/tensor.h"

namespace msq {

enum class Reduction { None, Mean, Sum };

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

struct CrossEntropyOptions {
  Tensor weight;                 // [C] class weights, or undefined
  double label_smoothing = 0.0;  // in [0, 1]
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;
};

// logp: [N, C] log-probabilities, target: int64 [N] class indices. PyTorch's nll_loss:
// mean reduction divides by the summed weights of the (non-ignored) targets.
Tensor nll_loss(const Tensor& logp, const Tensor& target, const CrossEntropyOptions& options = {});
// logits: [N, C], target: int64 [N]. As torch.nn.functional.cross_entropy, including class
// weights and label smoothing.
Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     const CrossEntropyOptions& options = {});
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);

}  // namespace msq
