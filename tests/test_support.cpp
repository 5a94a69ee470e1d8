#include "test_support.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace msq::test {

int skipped_cases = 0;

void skip(const std::string& why) {
  ++skipped_cases;
  std::cout << "SKIPPED: " << why << std::endl;
}

bool require_cuda() {
  if (cuda_available()) return true;
  skip("no CUDA device (" + cuda_unavailable_reason() + ")");
  return false;
}

void check_close(const Tensor& actual, const Tensor& expected, double rtol, double atol,
                 const std::string& what) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), what << ": shape " << shape_str(actual.shape())
                                                       << " vs " << shape_str(expected.shape()));
  std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0;
  size_t worst_i = 0;
  bool ok = true;
  for (size_t i = 0; i < a.size(); ++i) {
    double diff = std::fabs(a[i] - e[i]);
    bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    if (!both_nan && !(diff <= atol + rtol * std::fabs(e[i]))) {
      ok = false;
      if (!(diff <= worst)) {
        worst = diff;
        worst_i = i;
      }
    }
  }
  CHECK_MESSAGE(ok, what << ": element " << worst_i << " differs: " << (a.empty() ? 0 : a[worst_i])
                         << " vs expected " << (e.empty() ? 0 : e[worst_i]) << " (rtol " << rtol
                         << ", atol " << atol << ")");
}

double max_relative_error(const Tensor& x, const Tensor& y, double floor) {
  std::vector<double> a = x.to_vector<double>(), b = y.to_vector<double>();
  double diff = 0, scale = floor;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

std::vector<Tensor> numeric_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                      const std::vector<Tensor>& inputs, double eps) {
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (size_t k = 0; k < inputs.size(); ++k) {
    std::vector<Tensor> xs;
    for (const Tensor& t : inputs) xs.push_back(t.detach().clone());
    Tensor& xk = xs[k];
    Tensor g = zeros(xk.shape(), DType::Float64);
    double* gp = g.data<double>();
    double* xp = xk.data<double>();
    for (int64_t i = 0; i < xk.numel(); ++i) {
      double keep = xp[i];
      xp[i] = keep + eps;
      double up = f(xs).item();
      xp[i] = keep - eps;
      double down = f(xs).item();
      xp[i] = keep;
      gp[i] = (up - down) / (2 * eps);
    }
    grads.push_back(g);
  }
  return grads;
}

std::vector<Tensor> autograd_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                       const std::vector<Tensor>& inputs) {
  std::vector<Tensor> xs;
  for (const Tensor& t : inputs) {
    Tensor leaf = t.detach().clone();
    leaf.requires_grad_(true);
    xs.push_back(leaf);
  }
  f(xs).backward();
  std::vector<Tensor> grads;
  for (const Tensor& x : xs) grads.push_back(x.grad().defined() ? x.grad() : zeros_like(x));
  return grads;
}

std::string fresh_dir(const std::string& suite, const std::string& name) {
  std::string d = "/tmp/msq-" + suite + "-" + name + "-" + std::to_string(::getpid());
  std::system(("rm -rf '" + d + "'").c_str());
  return d;
}

}  // namespace msq::test
