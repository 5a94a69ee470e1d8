// The study's classifier heads (docs/PAPER.md): after global pooling,
// n_dense x [Linear(units), ReLU, Dropout(p)], then Linear(num_classes), as one Sequential
// (children "0", "1", ...: a torch.nn.Sequential of the same layers has the same names).
#pragma once
#include <memory>

#include "engine/nn/sequential.h"

namespace msq::models {

struct DenseStack {
  int n_dense = 1;        // hidden [Linear, ReLU, Dropout] groups (0: one Linear to the classes)
  int64_t units = 128;    // width of every hidden Linear
  double dropout = 0.5;   // p of every Dropout
};

// The hidden groups only (no final Linear): in -> units (or in itself when n_dense is 0).
std::shared_ptr<nn::Sequential> dense_layers(int64_t in, const DenseStack& stack);
// Width of dense_layers' output.
int64_t dense_layers_out(int64_t in, const DenseStack& stack);
// The full head: dense_layers then Linear(-> num_classes).
std::shared_ptr<nn::Sequential> dense_head(int64_t in, const DenseStack& stack,
                                           int64_t num_classes = 2);

}  // namespace msq::models
