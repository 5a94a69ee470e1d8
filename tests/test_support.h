// Helpers shared by the tests: skipping with a message, tolerant comparisons, finite
// differences.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/msq.h"

namespace msq::test {

// Records that the current test case is skipped and prints why. A test executable whose
// every test case skipped exits with 77, which ctest reports as "Not Run (skipped)".
void skip(const std::string& why);

// True when a CUDA device answers; otherwise skips the current test case with the reason.
bool require_cuda();

// Element-wise |a - b| <= atol + rtol * |b| over two tensors of one shape (any dtypes,
// any devices); on failure reports the worst element.
void check_close(const Tensor& actual, const Tensor& expected, double rtol, double atol,
                 const std::string& what = "");

// The largest relative error max|a - b| / max(max|b|, floor) between two tensors.
double max_relative_error(const Tensor& a, const Tensor& b, double floor = 1e-12);

// Gradients of scalar f at the inputs by central differences (float64 inputs).
std::vector<Tensor> numeric_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                      const std::vector<Tensor>& inputs, double eps = 1e-6);

// Autograd gradients of scalar f at the inputs.
std::vector<Tensor> autograd_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                       const std::vector<Tensor>& inputs);

// A fresh, absent scratch folder for one test: /tmp/msq-<suite>-<name>-<pid>, removed first if
// an earlier run left it.
std::string fresh_dir(const std::string& suite, const std::string& name);

}  // namespace msq::test
