// The CUDA backend against the CPU backend: every op through the public front-ends, on the
// same random inputs, forward and backward, float32 and float64, broadcast and
// non-contiguous operands; random streams, optimiser steps, host <-> device copies and the
// caching allocator. Every case skips (exit 77 = ctest "skipped") without a CUDA device.
#include <cmath>
#include <functional>
#include <string>

#include "kernels/backend.h"
#include "test_support.h"

#ifdef MSQ_WITH_CUDA
#include "kernels/cuda/cublas_loader.h"
#endif

using namespace msq;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Device gpu() { return Device::cuda(); }

// Tolerances: float32 kernels differ from the CPU's in rounding (fused multiply-adds, the
// device's exp/log), float64 only in summation order.
struct Tol {
  double rtol, atol;
};
Tol tol_for(DType t) { return t == DType::Float64 ? Tol{1e-10, 1e-12} : Tol{2e-5, 2e-6}; }

// Runs fn on CPU inputs and on GPU copies of them; compares the outputs and, for floating
// outputs, the gradients of sum(output * w) for a fixed random w.
void compare(const std::string& what, const Fn& fn, const std::vector<Tensor>& inputs,
             bool backward = true, double scale = 1.0) {
  std::vector<Tensor> c, g;
  bool grads = backward;
  for (const Tensor& t : inputs) grads = grads && is_floating(t.dtype());
  for (const Tensor& t : inputs) {
    Tensor tc = t.detach().clone();
    Tensor tg = t.detach().to(gpu());
    if (grads) {
      tc.requires_grad_(true);
      tg.requires_grad_(true);
    }
    c.push_back(tc);
    g.push_back(tg);
  }
  Tensor yc = fn(c), yg = fn(g);
  REQUIRE_MESSAGE(yg.device() == gpu(), what << ": output not on the GPU");
  CHECK_MESSAGE(yg.dtype() == yc.dtype(), what << ": dtype differs");
  Tol tol = tol_for(yc.dtype());
  if (!is_floating(yc.dtype())) tol = {0, 0};
  test::check_close(yg, yc, tol.rtol * scale, tol.atol * scale, what + " forward");
  if (!grads || !is_floating(yc.dtype())) return;
  manual_seed(1234);
  Tensor w = uniform(yc.shape(), 0.5, 1.5, yc.options());
  sum(mul(yc, w)).backward();
  sum(mul(yg, w.to(gpu()))).backward();
  for (size_t i = 0; i < c.size(); ++i) {
    Tensor gc = c[i].grad(), gg = g[i].grad();
    REQUIRE_MESSAGE(gc.defined() == gg.defined(), what << ": gradient " << i << " defined on one side only");
    if (!gc.defined()) continue;
    CHECK(gg.device() == gpu());
    Tol gt = tol_for(gc.dtype());
    test::check_close(gg, gc, gt.rtol * scale, gt.atol * scale, what + " grad " + std::to_string(i));
  }
}

Tensor randn_of(const Shape& shape, DType dtype, uint64_t seed) {
  manual_seed(seed);
  return randn(shape, dtype);
}

Tensor uniform_of(const Shape& shape, double lo, double hi, DType dtype, uint64_t seed) {
  manual_seed(seed);
  return uniform(shape, lo, hi, dtype);
}

const DType kFloatTypes[] = {DType::Float32, DType::Float64};

}  // namespace

TEST_CASE("cuda: device discovery and a clear error for a missing device") {
  if (!test::require_cuda()) return;
  CHECK(cuda_device_count() >= 1);
  CHECK(std::string(backend(gpu()).name()) == "cuda");
#ifdef MSQ_WITH_CUDA
  const cuda::Cublas* blas = cuda::cublas();
  MESSAGE("GEMM through " << (blas ? blas->library : "the fallback kernel (" + cuda::cublas_missing_reason() + ")"));
#endif
  Device missing = Device::cuda(cuda_device_count());
  Tensor x = ones({2, 2});
  try {
    Tensor y = x.to(missing);
    FAIL("moving to a non-existent device did not throw");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK_MESSAGE(msg.find("does not exist") != std::string::npos, msg);
    CHECK_MESSAGE(msg.find(missing.str()) != std::string::npos, msg);
  }
  cuda_synchronize();
}

TEST_CASE("cuda: host <-> device round trips of every dtype, contiguous and strided") {
  if (!test::require_cuda()) return;
  Tensor f = randn_of({3, 4, 5}, DType::Float32, 1);
  Tensor d = randn_of({3, 4, 5}, DType::Float64, 2);
  Tensor i = mul(d, 100.0).to(DType::Int64);
  Tensor u = clamp(abs(mul(d, 50.0)), 0.0, 255.0).to(DType::UInt8);
  Tensor b = gt(d, 0.0);
  for (const Tensor& t : {f, d, i, u, b}) {
    std::string name = dtype_name(t.dtype());
    Tensor back = t.to(gpu()).cpu();
    CHECK(back.device() == Device::cpu());
    test::check_close(back, t, 0, 0, "round trip " + name);
    // A strided host view goes up, and a strided device view comes down.
    Tensor view = t.permute({2, 0, 1}).slice(1, 0, 3, 2);
    test::check_close(view.to(gpu()).cpu(), view, 0, 0, "strided up " + name);
    test::check_close(t.to(gpu()).permute({2, 0, 1}).slice(1, 0, 3, 2).cpu(), view, 0, 0,
                      "strided down " + name);
    // copy_ into a strided device view from the host.
    Tensor dst = zeros({5, 3, 4}, t.options().with_device(gpu()));
    dst.permute({1, 2, 0}).copy_(t);
    test::check_close(dst.cpu(), t.permute({2, 0, 1}), 0, 0, "copy_ into view " + name);
  }
  CHECK(scalar_tensor(2.5, TensorOptions(gpu())).item() == 2.5);
  CHECK(from_vector<float>({1, 2, 3}, {3}, TensorOptions(gpu())).to_vector<float>() ==
        std::vector<float>{1, 2, 3});
}

TEST_CASE("cuda: dtype casts, fill, arange and clone match the CPU") {
  if (!test::require_cuda()) return;
  Tensor x = uniform_of({4, 6}, -3, 3, DType::Float64, 3);
  Tensor pos = uniform_of({4, 6}, 0, 200, DType::Float32, 4);
  const DType all[] = {DType::Float32, DType::Float64, DType::Int64, DType::UInt8, DType::Bool};
  for (DType to : all) {
    // uint8 only from non-negative values (negative -> uint8 is undefined in C++).
    Tensor src = to == DType::UInt8 ? pos : x;
    compare(std::string("cast to ") + dtype_name(to), [to](const std::vector<Tensor>& v) {
      return v[0].to(to);
    }, {src}, false);
    compare(std::string("cast strided to ") + dtype_name(to), [to](const std::vector<Tensor>& v) {
      return v[0].t().to(to);
    }, {src}, false);
  }
  Tensor b = gt(x, 0.0), u = pos.to(DType::UInt8), i = mul(x, 10.0).to(DType::Int64);
  for (const Tensor& s : {b, u, i}) {
    for (DType to : all) {
      compare(std::string("cast ") + dtype_name(s.dtype()) + " to " + dtype_name(to),
              [to](const std::vector<Tensor>& v) { return v[0].t().to(to); }, {s}, false);
    }
  }
  for (DType t : all) {
    test::check_close(full({3, 5}, 1.75, TensorOptions(t).with_device(gpu())).cpu(),
                      full({3, 5}, 1.75, TensorOptions(t)), 0, 0, "full");
    Tensor g = zeros({4, 6}, TensorOptions(t).with_device(gpu()));
    g.slice(1, 1, 6, 2).fill_(1.0);
    Tensor h = zeros({4, 6}, TensorOptions(t));
    h.slice(1, 1, 6, 2).fill_(1.0);
    test::check_close(g.cpu(), h, 0, 0, "strided fill_");
  }
  for (DType t : {DType::Float32, DType::Float64, DType::Int64, DType::UInt8}) {
    test::check_close(arange(0, 50, 3, TensorOptions(t).with_device(gpu())).cpu(),
                      arange(0, 50, 3, TensorOptions(t)), 0, 0, "arange");
  }
  test::check_close(arange(-1, 1, 0.125, TensorOptions(DType::Float64).with_device(gpu())).cpu(),
                    arange(-1, 1, 0.125, DType::Float64), 0, 0, "arange float");
  Tensor big = randn_of({2, 3, 4, 5, 6}, DType::Float32, 5);
  compare("clone of a 5-d permuted view", [](const std::vector<Tensor>& v) {
    return v[0].permute({4, 2, 0, 3, 1}).contiguous();
  }, {big});
}

TEST_CASE("cuda: empty tensors and 0-d scalars") {
  if (!test::require_cuda()) return;
  TensorOptions g(gpu());
  Tensor e = zeros({0, 3}, g);
  CHECK(sum(e).item() == 0.0);
  CHECK(sum(e, {0}).cpu().to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK(exp(e).numel() == 0);
  CHECK(add(e, ones({3}, g)).shape() == Shape{0, 3});
  CHECK(matmul(zeros({2, 0}, g), zeros({0, 4}, g)).cpu().to_vector<float>() == std::vector<float>(8, 0.0f));
  CHECK(matmul(zeros({0, 5}, g), ones({5, 2}, g)).numel() == 0);
  CHECK(cat({e, ones({2, 3}, g)}, 0).shape() == Shape{2, 3});
  CHECK(rand({0}, g).numel() == 0);
  CHECK(e.cpu().numel() == 0);
  Tensor s = scalar_tensor(3.0, g);
  CHECK(mul(s, s).item() == 9.0);
  CHECK(sum(s).item() == 3.0);
  CHECK(add(s, ones({2, 2}, g)).cpu().to_vector<float>() == std::vector<float>(4, 4.0f));
  compare("0-d exp", [](const std::vector<Tensor>& v) { return exp(v[0]); }, {scalar_tensor(0.5)});
  compare("0-d times matrix", [](const std::vector<Tensor>& v) { return mul(v[0], v[1]); },
          {scalar_tensor(0.5), uniform_of({3, 2}, -1, 1, DType::Float32, 31)});
}

TEST_CASE("cuda: unary ops forward and backward, contiguous and strided") {
  if (!test::require_cuda()) return;
  struct Row {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    bool positive;  // needs inputs > 0
  };
  std::vector<Row> rows = {
      {"neg", [](const Tensor& x) { return neg(x); }, false},
      {"exp", [](const Tensor& x) { return exp(x); }, false},
      {"log", [](const Tensor& x) { return log(x); }, true},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, true},
      {"abs", [](const Tensor& x) { return abs(x); }, false},
      {"square", [](const Tensor& x) { return square(x); }, false},
      {"reciprocal", [](const Tensor& x) { return reciprocal(x); }, true},
      {"sign", [](const Tensor& x) { return sign(x); }, false},
      {"relu", [](const Tensor& x) { return relu(x); }, false},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, false},
      {"tanh", [](const Tensor& x) { return tanh(x); }, false},
      {"silu", [](const Tensor& x) { return silu(x); }, false},
      {"hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); }, false},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.7); }, false},
      {"clamp_min", [](const Tensor& x) { return clamp_min(x, -0.2); }, false},
      {"clamp_max", [](const Tensor& x) { return clamp_max(x, 0.3); }, false},
      {"pow 2", [](const Tensor& x) { return pow(x, 2.0); }, false},
      {"pow 1.5", [](const Tensor& x) { return pow(x, 1.5); }, true},
      {"pow -0.5", [](const Tensor& x) { return pow(x, -0.5); }, true},
  };
  uint64_t seed = 10;
  for (DType dt : kFloatTypes) {
    for (const Row& row : rows) {
      Tensor x = row.positive ? uniform_of({6, 7, 5}, 0.2, 3.0, dt, ++seed)
                              : uniform_of({6, 7, 5}, -4.0, 4.0, dt, ++seed);
      std::string name = std::string(row.name) + " " + dtype_name(dt);
      auto f = row.f;
      compare(name, [f](const std::vector<Tensor>& v) { return f(v[0]); }, {x});
      compare(name + " permuted", [f](const std::vector<Tensor>& v) {
        return f(v[0].permute({2, 0, 1}));
      }, {x});
      compare(name + " sliced", [f](const std::vector<Tensor>& v) {
        return f(v[0].slice(1, 1, 7, 3));
      }, {x});
    }
  }
  // Integer inputs compute in double and cast back, as on the CPU.
  Tensor xi = mul(uniform_of({5, 4}, -20, 20, DType::Float64, 99), 1.0).to(DType::Int64);
  compare("neg int64", [](const std::vector<Tensor>& v) { return neg(v[0]); }, {xi}, false);
  compare("abs int64", [](const std::vector<Tensor>& v) { return abs(v[0]); }, {xi}, false);
  compare("square int64 strided", [](const std::vector<Tensor>& v) { return square(v[0].t()); },
          {xi}, false);
  // A large input takes many blocks of the grid-stride loop.
  Tensor large = randn_of({3, 1000, 1001}, DType::Float32, 77);
  compare("tanh large", [](const std::vector<Tensor>& v) { return tanh(v[0]); }, {large});
}

TEST_CASE("cuda: binary ops with broadcasting, every dtype, forward and backward") {
  if (!test::require_cuda()) return;
  const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub,     BinaryOp::Mul,     BinaryOp::Div,
                          BinaryOp::Pow, BinaryOp::Maximum, BinaryOp::Minimum, BinaryOp::Eq,
                          BinaryOp::Ne,  BinaryOp::Lt,      BinaryOp::Le,      BinaryOp::Gt,
                          BinaryOp::Ge};
  struct Shapes {
    Shape a, b;
  };
  const Shapes shapes[] = {{{4, 5}, {4, 5}}, {{3, 1, 5}, {4, 5}}, {{2, 3, 4}, {}}, {{1, 6}, {5, 1}}};
  uint64_t seed = 100;
  for (DType dt : kFloatTypes) {
    for (BinaryOp op : ops) {
      for (const Shapes& s : shapes) {
        bool pow_op = op == BinaryOp::Pow;
        Tensor a = pow_op ? uniform_of(s.a, 0.5, 2.0, dt, ++seed) : uniform_of(s.a, -2, 2, dt, ++seed);
        Tensor b = uniform_of(s.b, -2, 2, dt, ++seed);
        if (op == BinaryOp::Div) b = add(abs(b), 0.5);
        if (is_comparison(op)) {  // small integers, so that some elements are equal
          a = a.to(DType::Int64).to(dt);
          b = b.to(DType::Int64).to(dt);
        }
        std::string name = std::string(binary_op_name(op)) + " " + dtype_name(dt) + " " +
                           shape_str(s.a) + " " + shape_str(s.b);
        compare(name, [op](const std::vector<Tensor>& v) { return binary_op(op, v[0], v[1]); },
                {a, b}, !is_comparison(op));
      }
    }
    // Equal elements: comparisons and maximum/minimum ties.
    Tensor a = uniform_of({8}, -1, 1, dt, 1);
    compare("eq with equal elements", [](const std::vector<Tensor>& v) {
      return eq(v[0], v[0].clone());
    }, {a}, false);
    compare("maximum of transposed views", [](const std::vector<Tensor>& v) {
      return maximum(v[0].t(), v[1]);
    }, {uniform_of({5, 4}, -1, 1, dt, 2), uniform_of({4, 5}, -1, 1, dt, 3)});
    compare("scalar ops", [](const std::vector<Tensor>& v) {
      return add(mul(sub(div(v[0], 3.0), 1.5), 2.0), rdiv(1.0, add(abs(v[0]), 1.0)));
    }, {uniform_of({3, 4}, -2, 2, dt, 4)});
  }
  // Integer and bool dtypes (no gradients).
  Tensor ia = mul(uniform_of({3, 1, 5}, -10, 10, DType::Float64, 7), 1.0).to(DType::Int64);
  Tensor ib = add(abs(mul(uniform_of({4, 5}, -10, 10, DType::Float64, 8), 1.0)), 1.0).to(DType::Int64);
  Tensor ua = uniform_of({3, 1, 5}, 0, 15, DType::Float64, 9).to(DType::UInt8);
  Tensor ub = uniform_of({4, 5}, 1, 15, DType::Float64, 10).to(DType::UInt8);
  for (BinaryOp op : ops) {
    if (op == BinaryOp::Pow) continue;
    std::string name = binary_op_name(op);
    compare(name + " int64", [op](const std::vector<Tensor>& v) { return binary_op(op, v[0], v[1]); },
            {ia, ib}, false);
    compare(name + " uint8", [op](const std::vector<Tensor>& v) { return binary_op(op, v[0], v[1]); },
            {ua, ub}, false);
  }
  Tensor ba = gt(uniform_of({4, 5}, -1, 1, DType::Float32, 11), 0.0);
  Tensor bb = gt(uniform_of({4, 5}, -1, 1, DType::Float32, 12), 0.0);
  compare("eq bool", [](const std::vector<Tensor>& v) { return eq(v[0], v[1]); }, {ba, bb}, false);
  compare("lt bool", [](const std::vector<Tensor>& v) { return lt(v[0], v[1]); }, {ba, bb}, false);
  // Mixed dtypes promote in the front-end, then run on the device.
  compare("int64 + float32", [](const std::vector<Tensor>& v) { return add(v[0], v[1]); },
          {ia, uniform_of({4, 5}, -1, 1, DType::Float32, 13)}, false);
  // In place with broadcasting.
  Tensor acc_c = uniform_of({3, 4}, -1, 1, DType::Float32, 14), acc_g = acc_c.to(gpu());
  Tensor row = uniform_of({4}, -1, 1, DType::Float32, 15);
  add_(acc_c, row);
  add_(acc_g, row.to(gpu()));
  mul_(acc_c, 3.0);
  mul_(acc_g, 3.0);
  test::check_close(acc_g, acc_c, 1e-6, 1e-7, "add_ / mul_ in place");
}

TEST_CASE("cuda: where broadcasts condition and operands") {
  if (!test::require_cuda()) return;
  for (DType dt : kFloatTypes) {
    Tensor cond_src = uniform_of({3, 1, 5}, -1, 1, dt, 21);
    Tensor a = uniform_of({4, 5}, -1, 1, dt, 22), b = uniform_of({3, 4, 1}, -1, 1, dt, 23);
    compare(std::string("where ") + dtype_name(dt), [](const std::vector<Tensor>& v) {
      return where(gt(v[0], 0.0), v[1], v[2]);
    }, {cond_src, a, b});
  }
  Tensor ic = uniform_of({6}, -1, 1, DType::Float32, 24);
  Tensor ia = arange(6), ib = mul(arange(6), -1.0);
  compare("where int64", [](const std::vector<Tensor>& v) { return where(gt(v[0], 0.0), v[1], v[2]); },
          {ic, ia, ib}, false);
}

TEST_CASE("cuda: reductions sum, mean, max, min, var, argmax") {
  if (!test::require_cuda()) return;
  uint64_t seed = 200;
  std::vector<std::vector<int64_t>> dim_sets = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {1, 2}};
  for (DType dt : kFloatTypes) {
    Tensor x = uniform_of({5, 37, 9}, -3, 3, dt, ++seed);
    std::string t = dtype_name(dt);
    for (const auto& dims : dim_sets) {
      for (bool keep : {false, true}) {
        std::string d = " dims " + shape_str(dims) + (keep ? " keepdim " : " ") + t;
        compare("sum" + d, [dims, keep](const std::vector<Tensor>& v) { return sum(v[0], dims, keep); }, {x});
        compare("mean" + d, [dims, keep](const std::vector<Tensor>& v) { return mean(v[0], dims, keep); }, {x});
        compare("max" + d, [dims, keep](const std::vector<Tensor>& v) { return max(v[0], dims, keep); }, {x});
        compare("min" + d, [dims, keep](const std::vector<Tensor>& v) { return min(v[0], dims, keep); }, {x});
      }
      if (!dims.empty()) {
        compare("var dims " + shape_str(dims) + " " + t,
                [dims](const std::vector<Tensor>& v) { return var(v[0], dims); }, {x});
      }
    }
    compare("var all " + t, [](const std::vector<Tensor>& v) { return var(v[0]); }, {x});
    compare("sum of a permuted view " + t, [](const std::vector<Tensor>& v) {
      return sum(v[0].permute({2, 0, 1}), {1});
    }, {x});
    // Long rows take the two-pass (chunked) path; wide columns the column kernel.
    Tensor long_rows = uniform_of({2, 300000}, -1, 1, dt, ++seed);
    compare("sum long rows " + t, [](const std::vector<Tensor>& v) { return sum(v[0], {1}); },
            {long_rows}, true, 20.0);
    compare("max long rows " + t, [](const std::vector<Tensor>& v) { return max(v[0], {1}); },
            {long_rows});
    compare("sum all " + t, [](const std::vector<Tensor>& v) { return sum(v[0]); }, {long_rows},
            true, 20.0);
    Tensor tall = uniform_of({20000, 70}, -1, 1, dt, ++seed);
    compare("sum over rows of a tall matrix " + t,
            [](const std::vector<Tensor>& v) { return sum(v[0], {0}); }, {tall}, true, 20.0);
    compare("min over rows of a tall matrix " + t,
            [](const std::vector<Tensor>& v) { return min(v[0], {0}); }, {tall});
    // argmax, first maximum on ties.
    compare("argmax dim 1 " + t, [](const std::vector<Tensor>& v) { return argmax(v[0], 1); }, {x}, false);
    compare("argmax dim 0 keepdim " + t, [](const std::vector<Tensor>& v) { return argmax(v[0], 0, true); },
            {x}, false);
    compare("argmax all " + t, [](const std::vector<Tensor>& v) { return argmax(v[0]); }, {x}, false);
    Tensor ties = from_vector<double>({1, 3, 3, 0, 2, 2, 2, 1, 5, 5, 5, 5}, {3, 4}).to(dt);
    compare("argmax ties " + t, [](const std::vector<Tensor>& v) { return argmax(v[0], 1); }, {ties}, false);
    CHECK(argmax(ties.to(gpu()), 1).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
    compare("max ties gradient " + t, [](const std::vector<Tensor>& v) { return max(v[0], {1}); },
            {ties});
  }
  // Integer and bool sums (bool and uint8 sum to int64), integer max/min and argmax.
  Tensor i = mul(uniform_of({4, 33, 3}, -50, 50, DType::Float64, 301), 1.0).to(DType::Int64);
  Tensor u = uniform_of({4, 33, 3}, 0, 250, DType::Float64, 302).to(DType::UInt8);
  Tensor b = gt(uniform_of({4, 33, 3}, -1, 1, DType::Float64, 303), 0.0);
  for (const Tensor& t : {i, u, b}) {
    std::string n = dtype_name(t.dtype());
    compare("sum " + n, [](const std::vector<Tensor>& v) { return sum(v[0], {1}); }, {t}, false);
    compare("sum all " + n, [](const std::vector<Tensor>& v) { return sum(v[0]); }, {t}, false);
    if (t.dtype() == DType::Bool) continue;
    compare("max " + n, [](const std::vector<Tensor>& v) { return max(v[0], {1}); }, {t}, false);
    compare("min " + n, [](const std::vector<Tensor>& v) { return min(v[0], {0, 2}); }, {t}, false);
    compare("argmax " + n, [](const std::vector<Tensor>& v) { return argmax(v[0], 1); }, {t}, false);
  }
  // NaN propagates through max and wins argmax.
  Tensor nan = from_vector<float>({1, NAN, 3, 2, 4, 1}, {2, 3});
  std::vector<float> mx = max(nan.to(gpu()), {1}).to_vector<float>();
  CHECK(std::isnan(mx[0]));
  CHECK(mx[1] == 4.0f);
  CHECK(argmax(nan.to(gpu()), 1).to_vector<int64_t>() == std::vector<int64_t>{1, 1});
}

TEST_CASE("cuda: softmax and log_softmax over the last and a middle dim") {
  if (!test::require_cuda()) return;
  uint64_t seed = 400;
  for (DType dt : kFloatTypes) {
    std::string t = dtype_name(dt);
    Tensor x = uniform_of({4, 6, 10}, -5, 5, dt, ++seed);
    for (int64_t dim : {-1, 1, 0}) {
      std::string d = " dim " + std::to_string(dim) + " " + t;
      compare("softmax" + d, [dim](const std::vector<Tensor>& v) { return softmax(v[0], dim); }, {x});
      compare("log_softmax" + d, [dim](const std::vector<Tensor>& v) { return log_softmax(v[0], dim); }, {x});
    }
    compare("softmax of a transposed view " + t, [](const std::vector<Tensor>& v) {
      return softmax(v[0].transpose(1, 2), -1);
    }, {x});
    Tensor wide = uniform_of({3, 5000}, -20, 20, dt, ++seed);
    compare("softmax wide rows " + t, [](const std::vector<Tensor>& v) { return softmax(v[0], 1); }, {wide});
    compare("log_softmax wide rows " + t, [](const std::vector<Tensor>& v) { return log_softmax(v[0], 1); },
            {wide});
    Tensor many = uniform_of({3000, 3}, -3, 3, dt, ++seed);
    compare("log_softmax many short rows " + t,
            [](const std::vector<Tensor>& v) { return log_softmax(v[0], -1); }, {many});
  }
}

TEST_CASE("cuda: matmul, bmm and linear including transposed and broadcast operands") {
  if (!test::require_cuda()) return;
  uint64_t seed = 500;
  for (DType dt : kFloatTypes) {
    std::string t = dtype_name(dt);
    double scale = dt == DType::Float32 ? 10.0 : 100.0;  // sums of products
    auto r = [&](const Shape& s) { return uniform_of(s, -1, 1, dt, ++seed); };
    compare("matmul 2-d " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {r({17, 33}), r({33, 9})}, true, scale);
    compare("matmul a^T " + t, [](const std::vector<Tensor>& v) { return matmul(v[0].t(), v[1]); },
            {r({33, 17}), r({33, 9})}, true, scale);
    compare("matmul b^T " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1].t()); },
            {r({17, 33}), r({9, 33})}, true, scale);
    compare("matmul a^T b^T " + t, [](const std::vector<Tensor>& v) {
      return matmul(v[0].t(), v[1].t());
    }, {r({33, 17}), r({9, 33})}, true, scale);
    compare("matmul sliced rows " + t, [](const std::vector<Tensor>& v) {
      return matmul(v[0].slice(0, 0, 20, 2), v[1].slice(1, 2, 9));
    }, {r({20, 12}), r({12, 9})}, true, scale);
    compare("matmul broadcast batch " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {r({2, 3, 7, 5}), r({5, 6})}, true, scale);
    compare("matmul broadcast both " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {r({2, 1, 7, 5}), r({3, 5, 6})}, true, scale);
    compare("matmul vector " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {r({7, 5}), r({5})}, true, scale);
    compare("matmul vector-vector " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {r({5}), r({5})}, true, scale);
    compare("bmm " + t, [](const std::vector<Tensor>& v) { return bmm(v[0], v[1]); },
            {r({4, 6, 8}), r({4, 8, 3})}, true, scale);
    compare("bmm transposed " + t, [](const std::vector<Tensor>& v) {
      return bmm(v[0].transpose(1, 2), v[1].permute({0, 2, 1}));
    }, {r({4, 8, 6}), r({4, 3, 8})}, true, scale);
    compare("linear with bias " + t, [](const std::vector<Tensor>& v) { return linear(v[0], v[1], v[2]); },
            {r({2, 5, 16}), r({10, 16}), r({10})}, true, scale);
    compare("linear without bias " + t, [](const std::vector<Tensor>& v) { return linear(v[0], v[1]); },
            {r({7, 16}), r({10, 16})}, true, scale);
    compare("linear of a transposed input " + t, [](const std::vector<Tensor>& v) {
      return linear(v[0].t(), v[1], v[2]);
    }, {r({16, 7}), r({10, 16}), r({10})}, true, scale);
    compare("matmul 300x200x150 " + t, [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {r({300, 200}), r({200, 150})}, true, scale * 5);
  }
}

TEST_CASE("cuda: nll_loss and cross_entropy with weights, label smoothing, ignore_index") {
  if (!test::require_cuda()) return;
  uint64_t seed = 600;
  for (DType dt : kFloatTypes) {
    std::string t = dtype_name(dt);
    int64_t n = 12, c = 7;
    Tensor logits = uniform_of({n, c}, -3, 3, dt, ++seed);
    Tensor target = uniform_of({n}, 0, static_cast<double>(c), DType::Float64, ++seed).to(DType::Int64);
    Tensor weight = uniform_of({c}, 0.2, 2.0, dt, ++seed);
    std::vector<int64_t> tv = target.to_vector<int64_t>();
    tv[3] = -100;
    tv[8] = -100;
    Tensor target_ignored = from_vector<int64_t>(tv, {n});
    struct Case {
      const char* name;
      bool weighted;
      double smoothing;
      Reduction reduction;
      bool ignored;
    };
    const Case cases[] = {
        {"plain mean", false, 0.0, Reduction::Mean, false},
        {"weighted mean", true, 0.0, Reduction::Mean, false},
        {"weighted sum", true, 0.0, Reduction::Sum, false},
        {"none", false, 0.0, Reduction::None, false},
        {"smoothing 0.1", false, 0.1, Reduction::Mean, false},
        {"weighted smoothing 0.2", true, 0.2, Reduction::Mean, false},
        {"weighted smoothing ignore_index", true, 0.1, Reduction::Mean, true},
        {"ignore_index none", false, 0.0, Reduction::None, true},
    };
    for (const Case& k : cases) {
      Tensor tgt = k.ignored ? target_ignored : target;
      Tensor w = k.weighted ? weight : Tensor();
      CrossEntropyOptions opt;
      opt.label_smoothing = k.smoothing;
      opt.reduction = k.reduction;
      compare(std::string("cross_entropy ") + k.name + " " + t,
              [tgt, w, opt](const std::vector<Tensor>& v) {
                CrossEntropyOptions o = opt;
                Device d = v[0].device();
                o.weight = w.defined() ? w.to(d) : Tensor();
                return cross_entropy(v[0], tgt.to(d), o);
              },
              {logits});
      compare(std::string("nll_loss ") + k.name + " " + t,
              [tgt, w, opt](const std::vector<Tensor>& v) {
                CrossEntropyOptions o = opt;
                Device d = v[0].device();
                o.weight = w.defined() ? w.to(d) : Tensor();
                return nll_loss(log_softmax(v[0], 1), tgt.to(d), o);
              },
              {logits});
    }
    // A strided target (every other element of a longer vector).
    Tensor long_target = from_vector<int64_t>(std::vector<int64_t>(2 * n, 2), {2 * n});
    compare("cross_entropy strided target " + t, [long_target](const std::vector<Tensor>& v) {
      return cross_entropy(v[0], long_target.to(v[0].device()).slice(0, 0, 2 * 12, 2));
    }, {logits});
  }
  // The front-end rejects out-of-range class indices on the device too.
  Tensor bad = from_vector<int64_t>({0, 9}, {2});
  CHECK_THROWS_AS(cross_entropy(zeros({2, 3}, TensorOptions(gpu())), bad.to(gpu())), Error);
}

TEST_CASE("cuda: rand, randn, uniform and dropout draw the CPU's numbers for one seed") {
  if (!test::require_cuda()) return;
  for (DType dt : kFloatTypes) {
    std::string t = dtype_name(dt);
    TensorOptions on_gpu = TensorOptions(dt).with_device(gpu());
    double tol = dt == DType::Float32 ? 1e-6 : 1e-13;
    manual_seed(42);
    Tensor cu = rand({1000, 33}, dt), cn = randn({777}, dt), cw = uniform({5, 5}, -3, 7, dt);
    manual_seed(42);
    Tensor gu = rand({1000, 33}, on_gpu), gn = randn({777}, on_gpu), gw = uniform({5, 5}, -3, 7, on_gpu);
    test::check_close(gu, cu, tol, tol, "rand " + t);
    test::check_close(gn, cn, tol, tol, "randn " + t);
    test::check_close(gw, cw, tol, tol, "uniform " + t);
    std::vector<double> v = gu.to_vector<double>();
    bool in_range = true;
    for (double e : v) in_range = in_range && e >= 0.0 && e < 1.0;
    CHECK(in_range);
  }
  manual_seed(7);
  Tensor mc = bernoulli_mask({64, 64}, 0.3);
  manual_seed(7);
  Tensor mg = bernoulli_mask({64, 64}, 0.3, gpu());
  test::check_close(mg, mc, 0, 0, "bernoulli_mask");
  Tensor x = uniform_of({32, 32}, -1, 1, DType::Float32, 8);
  manual_seed(9);
  Tensor dc = dropout(x, 0.25, true);
  manual_seed(9);
  Tensor dg = dropout(x.to(gpu()), 0.25, true);
  test::check_close(dg, dc, 1e-6, 1e-7, "dropout");
}

TEST_CASE("cuda: cat, stack, split and chunk") {
  if (!test::require_cuda()) return;
  for (DType dt : kFloatTypes) {
    std::string t = dtype_name(dt);
    Tensor a = uniform_of({3, 4, 5}, -1, 1, dt, 701), b = uniform_of({3, 2, 5}, -1, 1, dt, 702);
    Tensor c = uniform_of({3, 4, 5}, -1, 1, dt, 703);
    compare("cat dim 1 " + t, [](const std::vector<Tensor>& v) { return cat({v[0], v[1]}, 1); }, {a, b});
    compare("cat dim 0 of permuted views " + t, [](const std::vector<Tensor>& v) {
      return cat({v[0].permute({2, 1, 0}), v[1].permute({2, 1, 0})}, 1);
    }, {a, b});
    compare("stack " + t, [](const std::vector<Tensor>& v) { return stack({v[0], v[1]}, 2); }, {a, c});
    compare("split and recombine " + t, [](const std::vector<Tensor>& v) {
      std::vector<Tensor> parts = split(v[0], 2, 1);
      return add(mul(parts[0], 2.0), parts[1]);
    }, {a});
    compare("split sizes " + t, [](const std::vector<Tensor>& v) {
      std::vector<Tensor> parts = split(v[0], std::vector<int64_t>{1, 3, 1}, 2);
      return cat({parts[2], parts[0], exp(parts[1])}, 2);
    }, {a});
    compare("chunk " + t, [](const std::vector<Tensor>& v) {
      std::vector<Tensor> parts = chunk(v[0], 3, 0);
      return sub(parts[0], parts[2]);
    }, {a});
  }
  Tensor ia = arange(12).reshape({3, 4}), ib = arange(8).reshape({2, 4});
  compare("cat int64", [](const std::vector<Tensor>& v) { return cat({v[0], v[1]}, 0); }, {ia, ib}, false);
}

TEST_CASE("cuda: SGD, Adam and AdamW steps equal the CPU's") {
  if (!test::require_cuda()) return;
  for (DType dt : kFloatTypes) {
    std::string t = dtype_name(dt);
    Tol tol = tol_for(dt);
    auto run = [&](const std::string& name, auto make_optimizer) {
      Tensor wc = uniform_of({13, 7}, -1, 1, dt, 801).requires_grad_();
      Tensor bc = uniform_of({7}, -1, 1, dt, 802).requires_grad_();
      Tensor wg = wc.detach().to(gpu()).requires_grad_();
      Tensor bg = bc.detach().to(gpu()).requires_grad_();
      auto oc = make_optimizer(std::vector<Tensor>{wc, bc});
      auto og = make_optimizer(std::vector<Tensor>{wg, bg});
      for (int step = 0; step < 5; ++step) {
        Tensor gw = uniform_of({13, 7}, -1, 1, dt, 900 + step);
        Tensor gb = uniform_of({7}, -1, 1, dt, 950 + step);
        wc.set_grad(gw);
        bc.set_grad(gb);
        wg.set_grad(gw.to(gpu()));
        bg.set_grad(gb.to(gpu()));
        oc.step();
        og.step();
      }
      test::check_close(wg, wc, tol.rtol * 10, tol.atol * 10, name + " weight " + t);
      test::check_close(bg, bc, tol.rtol * 10, tol.atol * 10, name + " bias " + t);
    };
    run("sgd", [](std::vector<Tensor> p) { return SGD(p, SGDOptions{0.1, 0.0, 0.0, 0.0, false}); });
    run("sgd momentum", [](std::vector<Tensor> p) {
      return SGD(p, SGDOptions{0.1, 0.9, 0.1, 0.01, false});
    });
    run("sgd nesterov", [](std::vector<Tensor> p) {
      return SGD(p, SGDOptions{0.05, 0.9, 0.0, 0.001, true});
    });
    run("adam", [](std::vector<Tensor> p) { return Adam(p, AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.0}); });
    run("adam l2", [](std::vector<Tensor> p) { return Adam(p, AdamOptions{0.01, 0.8, 0.99, 1e-6, 0.05}); });
    run("adamw", [](std::vector<Tensor> p) { return AdamW(p, AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.01}); });
  }
}

TEST_CASE("cuda: a small training loop matches the CPU") {
  if (!test::require_cuda()) return;
  auto train = [](Device d) {
    manual_seed(3);
    Tensor w1 = mul(randn({16, 8}), 0.3).to(d).requires_grad_();
    Tensor b1 = zeros({16}).to(d).requires_grad_();
    Tensor w2 = mul(randn({4, 16}), 0.3).to(d).requires_grad_();
    Tensor x = randn({32, 8}).to(d);
    Tensor y = mul(rand({32}), 4.0).to(DType::Int64).to(d);
    // SGD: linear in the gradients, so rounding differences stay small over the steps
    // (Adam's m / sqrt(v) can flip a near-zero gradient's update; its step is tested above).
    SGD opt({w1, b1, w2}, SGDOptions{0.05, 0.9});
    Tensor loss;
    for (int step = 0; step < 20; ++step) {
      opt.zero_grad();
      loss = cross_entropy(linear(relu(linear(x, w1, b1)), w2), y);
      loss.backward();
      opt.step();
    }
    return std::vector<Tensor>{loss.detach(), w1.detach(), w2.detach()};
  };
  std::vector<Tensor> c = train(Device::cpu()), g = train(gpu());
  for (size_t i = 0; i < c.size(); ++i) test::check_close(g[i], c[i], 1e-3, 1e-4, "train " + std::to_string(i));
}

TEST_CASE("cuda: the caching allocator reuses blocks and reports sane stats") {
  if (!test::require_cuda()) return;
  Allocator& alloc = backend(gpu()).allocator();
  manual_seed(5);
  Tensor w = mul(randn({64, 32}), 0.1).to(gpu()).requires_grad_();
  Tensor x = randn({128, 32}).to(gpu());
  Tensor y = mul(rand({128}), 64.0).to(DType::Int64).to(gpu());
  SGD opt({w}, SGDOptions{0.1, 0.9});
  auto step = [&] {
    opt.zero_grad();
    Tensor loss = cross_entropy(linear(x, w), y);
    loss.backward();
    opt.step();
  };
  step();
  step();
  cuda_synchronize();
  AllocatorStats warm = alloc.stats();
  for (int i = 0; i < 10; ++i) step();
  cuda_synchronize();
  AllocatorStats after = alloc.stats();
  CHECK_MESSAGE(after.reserved == warm.reserved, "reserved grew from " << warm.reserved << " to "
                                                                          << after.reserved);
  CHECK(after.allocated == warm.allocated);
  CHECK(after.allocated <= after.reserved);
  CHECK(after.peak_allocated >= after.allocated);
  CHECK(after.peak_allocated <= after.reserved);

  size_t before = alloc.stats().allocated;
  {
    Tensor big = zeros({1 << 20}, TensorOptions(gpu()));  // 4 MiB
    AllocatorStats s = alloc.stats();
    CHECK(s.allocated >= before + (size_t(4) << 20));
    CHECK(s.peak_allocated >= s.allocated);
  }
  CHECK(alloc.stats().allocated == before);
  alloc.reset_peak();
  CHECK(alloc.stats().peak_allocated == alloc.stats().allocated);
  alloc.empty_cache();
  AllocatorStats emptied = alloc.stats();
  CHECK(emptied.reserved == emptied.allocated);
  CHECK(emptied.allocated == before);
  // A cached block is handed out again for a same-sized request.
  void* p = alloc.allocate(1000);
  alloc.deallocate(p, 1000);
  void* q = alloc.allocate(900);
  CHECK(q == p);
  alloc.deallocate(q, 900);
  // Far beyond any device's memory: a clear error, and the allocator still works after.
  CHECK_THROWS_AS(alloc.allocate(size_t(1) << 50), Error);
  CHECK(sum(zeros({4}, TensorOptions(gpu()))).item() == 0.0);
}
