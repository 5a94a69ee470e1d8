// Optimisers against torch.optim trajectories (tools/reference/optim_reference.py).
#include <cstring>
#include <map>

#include "kernels/backend.h"
#include "test_support.h"

using namespace msq;

namespace {

struct Trajectory {
  const char* name;
  std::vector<double> final_values;
};

const Trajectory kReference[] = {
#include "optim_reference.inc"
};

std::vector<double> run(const char* name) {
  Tensor p0 = from_vector<double>({0.5, -1.0, 2.0}, {3}).requires_grad_();
  Tensor p1 = from_vector<double>({0.3, -0.7, 1.1, 0.4}, {2, 2}).requires_grad_();
  Tensor c0 = from_vector<double>({1.0, 0.5, 2.0}, {3});
  Tensor c1 = from_vector<double>({0.2, 0.1, 0.3, 0.4}, {2, 2});
  std::vector<ParamGroup> groups(2);
  groups[0].params = {p0};
  groups[1].params = {p1};
  groups[1].lr = 0.05;
  std::unique_ptr<Optimizer> opt;
  auto with = [&](double lr, double wd) {
    groups[0].lr = lr;
    groups[0].weight_decay = groups[1].weight_decay = wd;
  };
  std::string n = name;
  if (n == "sgd_plain") {
    with(0.1, 0);
    opt = std::make_unique<SGD>(groups, SGDOptions{0.1});
  } else if (n == "sgd_momentum_wd") {
    with(0.1, 0.01);
    opt = std::make_unique<SGD>(groups, SGDOptions{0.1, 0.9, 0.1, 0.01, false});
  } else if (n == "sgd_nesterov") {
    with(0.1, 0);
    opt = std::make_unique<SGD>(groups, SGDOptions{0.1, 0.8, 0.0, 0.0, true});
  } else if (n == "adam") {
    with(0.1, 0);
    opt = std::make_unique<Adam>(groups, AdamOptions{0.1});
  } else if (n == "adam_l2") {
    with(0.1, 0.05);
    opt = std::make_unique<Adam>(groups, AdamOptions{0.1, 0.8, 0.95, 1e-6, 0.05});
  } else if (n == "adamw") {
    with(0.1, 0.1);
    opt = std::make_unique<AdamW>(groups, AdamOptions{0.1, 0.9, 0.999, 1e-8, 0.1});
  }
  for (int step = 0; step < 6; ++step) {
    opt->zero_grad();
    Tensor loss = add(add(sum(mul(c0, square(p0))), sum(mul(c1, pow(p1, 3.0)))),
                      mul(sum(p0), sum(p1)));
    loss.backward();
    opt->step();
  }
  std::vector<double> out = p0.to_vector<double>();
  for (double v : p1.to_vector<double>()) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("optimisers follow torch.optim's trajectories (two parameter groups)") {
  for (const Trajectory& t : kReference) {
    CAPTURE(std::string(t.name));
    std::vector<double> got = run(t.name);
    REQUIRE(got.size() == t.final_values.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(t.final_values[i]).epsilon(1e-12));
  }
}

TEST_CASE("optimiser state round-trips (resume gives the same parameters)") {
  auto make = [] { return from_vector<double>({1.0, -2.0, 0.5}, {3}).requires_grad_(); };
  auto loss_of = [](const Tensor& p) { return sum(mul(square(p), from_vector<double>({1, 2, 3}, {3}))); };
  Tensor a = make(), b = make();
  Adam oa({a}, AdamOptions{0.05});
  for (int i = 0; i < 6; ++i) {
    oa.zero_grad();
    loss_of(a).backward();
    oa.step();
  }
  // b: 3 steps, then a fresh optimiser restored from the state, then 3 more.
  std::map<std::string, Tensor> saved;
  {
    Adam ob({b}, AdamOptions{0.05});
    for (int i = 0; i < 3; ++i) {
      ob.zero_grad();
      loss_of(b).backward();
      ob.step();
    }
    saved = ob.state();
  }
  Adam oc({b}, AdamOptions{0.05});
  oc.load_state(saved);
  for (int i = 0; i < 3; ++i) {
    oc.zero_grad();
    loss_of(b).backward();
    oc.step();
  }
  test::check_close(b, a, 0, 0, "resumed");
}

TEST_CASE("zero_grad drops gradients; parameters without gradients are skipped") {
  Tensor p = ones({2}, DType::Float64).requires_grad_();
  Tensor q = ones({2}, DType::Float64).requires_grad_();
  SGD opt({p, q}, SGDOptions{0.5});
  sum(p).backward();
  opt.step();
  CHECK(p.to_vector<double>() == std::vector<double>{0.5, 0.5});
  CHECK(q.to_vector<double>() == std::vector<double>{1.0, 1.0});
  opt.zero_grad();
  CHECK_FALSE(p.grad().defined());
}

TEST_CASE("l2_penalty is lambda times the sum of squares, with its gradient") {
  Tensor w = from_vector<double>({1, -2, 3}, {3}).requires_grad_();
  Tensor pen = l2_penalty({w}, 0.1);
  CHECK(pen.item() == doctest::Approx(1.4));
  pen.backward();
  test::check_close(w.grad(), from_vector<double>({0.2, -0.4, 0.6}, {3}), 1e-12, 1e-12);
}

TEST_CASE("the multi-tensor steps equal the single-tensor steps (CPU default path)") {
  // Mixed sizes, each tensor at its own step number; the multi call must match a loop of
  // single-tensor calls exactly.
  const std::vector<int64_t> sizes = {1, 3, 1000, 17, 4097};
  Backend& cpu = backend(Device::cpu());
  for (DType dt : {DType::Float32, DType::Float64}) {
    manual_seed(11);
    std::vector<Tensor> p, g, m, v;
    for (int64_t n : sizes) {
      p.push_back(randn({n}, dt));
      g.push_back(randn({n}, dt));
      m.push_back(mul(rand({n}, dt), 0.1));
      v.push_back(mul(rand({n}, dt), 0.01));
    }
    std::vector<Tensor> p2, m2, v2;
    for (size_t k = 0; k < sizes.size(); ++k) {
      p2.push_back(p[k].clone());
      m2.push_back(m[k].clone());
      v2.push_back(v[k].clone());
    }
    for (bool decoupled : {false, true}) {
      std::vector<AdamOperands> ops;
      for (size_t k = 0; k < sizes.size(); ++k) {
        ops.push_back({p[k].view_for_kernel(), g[k].view_for_kernel(), m[k].view_for_kernel(),
                       v[k].view_for_kernel(), static_cast<int64_t>(k + 1)});
        cpu.adam_step(p2[k].view_for_kernel(), g[k].view_for_kernel(), m2[k].view_for_kernel(),
                      v2[k].view_for_kernel(), 0.01, 0.9, 0.99, 1e-8, 0.05, decoupled,
                      static_cast<int64_t>(k + 1));
      }
      cpu.adam_step_multi(ops, 0.01, 0.9, 0.99, 1e-8, 0.05, decoupled);
      for (size_t k = 0; k < sizes.size(); ++k) {
        test::check_close(p[k], p2[k], 0, 0, "adam param");
        test::check_close(m[k], m2[k], 0, 0, "adam exp_avg");
        test::check_close(v[k], v2[k], 0, 0, "adam exp_avg_sq");
      }
    }
    std::vector<SgdOperands> sops;
    for (size_t k = 0; k < sizes.size(); ++k) {
      sops.push_back({p[k].view_for_kernel(), g[k].view_for_kernel(), m[k].view_for_kernel(),
                      k % 2 == 0});
      cpu.sgd_step(p2[k].view_for_kernel(), g[k].view_for_kernel(), m2[k].view_for_kernel(), 0.1,
                   0.9, 0.1, 0.01, false, k % 2 == 0);
    }
    cpu.sgd_step_multi(sops, 0.1, 0.9, 0.1, 0.01, false);
    std::vector<StridedView> fills;
    for (size_t k = 0; k < sizes.size(); ++k) {
      test::check_close(p[k], p2[k], 0, 0, "sgd param");
      test::check_close(m[k], m2[k], 0, 0, "sgd momentum");
      fills.push_back(v[k].view_for_kernel());
    }
    cpu.fill_multi(fills, 0.0);
    for (const Tensor& t : v) CHECK(sum(abs(t)).item() == 0.0);
  }
}

TEST_CASE("zero_grad(false) zeroes gradients in place") {
  Tensor p = ones({3}, DType::Float64).requires_grad_();
  Tensor q = ones({2, 2}, DType::Float32).requires_grad_();
  Tensor r = ones({2}, DType::Float64).requires_grad_();
  SGD opt({p, q, r}, SGDOptions{0.5});
  sum(mul(p, 2.0)).backward();
  sum(q).backward();
  const void* before = p.grad().raw_data();
  opt.zero_grad(false);
  REQUIRE(p.grad().defined());
  CHECK(p.grad().raw_data() == before);
  CHECK(p.grad().to_vector<double>() == std::vector<double>{0, 0, 0});
  CHECK(q.grad().to_vector<float>() == std::vector<float>{0, 0, 0, 0});
  CHECK_FALSE(r.grad().defined());
  // Accumulating into the zeroed gradient gives the new gradient alone.
  sum(p).backward();
  CHECK(p.grad().to_vector<double>() == std::vector<double>{1, 1, 1});
}
