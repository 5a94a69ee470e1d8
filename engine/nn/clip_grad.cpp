#include "engine/nn/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/autograd/grad_mode.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace msq::nn {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  check(norm_type > 0, "clip_grad_norm", "norm_type must be positive, got ", norm_type);
  NoGradGuard no_grad;
  const bool inf_norm = std::isinf(norm_type);
  double total = 0;
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    grads.push_back(g);
    Tensor a = abs(g.to(DType::Float64));
    if (inf_norm) {
      if (a.numel() > 0) total = std::max(total, max(a).item());
    } else {
      total += sum(pow(a, norm_type)).item();
    }
  }
  if (!inf_norm) total = std::pow(total, 1.0 / norm_type);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0) {
    for (Tensor& g : grads) mul_(g, coef);
  }
  return total;
}

}  // namespace msq::nn
