#include "models/heads.h"

#include "engine/core/error.h"
#include "engine/nn/nn.h"

namespace msq::models {

static void check_stack(int64_t in, const DenseStack& s) {
  check(in > 0, "dense_head", "input width must be positive, got ", in);
  check(s.n_dense >= 0, "dense_head", "n_dense must be >= 0, got ", s.n_dense);
  check(s.n_dense == 0 || s.units > 0, "dense_head", "units must be positive, got ", s.units);
  check(s.dropout >= 0 && s.dropout < 1, "dense_head", "dropout must be in [0, 1), got ",
        s.dropout);
}

std::shared_ptr<nn::Sequential> dense_layers(int64_t in, const DenseStack& stack) {
  check_stack(in, stack);
  auto seq = std::make_shared<nn::Sequential>();
  for (int i = 0; i < stack.n_dense; ++i) {
    seq->push_back(std::make_shared<nn::Linear>(i == 0 ? in : stack.units, stack.units));
    seq->push_back(std::make_shared<nn::ReLU>());
    seq->push_back(std::make_shared<nn::Dropout>(stack.dropout));
  }
  return seq;
}

int64_t dense_layers_out(int64_t in, const DenseStack& stack) {
  return stack.n_dense > 0 ? stack.units : in;
}

std::shared_ptr<nn::Sequential> dense_head(int64_t in, const DenseStack& stack,
                                           int64_t num_classes) {
  check(num_classes > 0, "dense_head", "num_classes must be positive, got ", num_classes);
  auto seq = dense_layers(in, stack);
  seq->push_back(std::make_shared<nn::Linear>(dense_layers_out(in, stack), num_classes));
  return seq;
}

}  // namespace msq::models
