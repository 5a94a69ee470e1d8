// Trains y = 2x + 1 with the installed library; exits non-zero if it does not learn.
#include <cmath>
#include <cstdio>

#include "engine/msq.h"

int main() {
  using namespace msq;
  manual_seed(0);
  Tensor x = randn({128, 1});
  Tensor y = add(mul(x, 2.0), 1.0);
  Tensor w = zeros({1, 1}).requires_grad_(), b = zeros({1}).requires_grad_();
  SGD opt({w, b}, SGDOptions{0.1});
  for (int i = 0; i < 200; ++i) {
    opt.zero_grad();
    mse_loss(linear(x, w, b), y).backward();
    opt.step();
  }
  double wv = w.item(), bv = b.item();
  std::printf("w = %.4f, b = %.4f\n", wv, bv);
  return std::fabs(wv - 2) < 1e-3 && std::fabs(bv - 1) < 1e-3 ? 0 : 1;
}
