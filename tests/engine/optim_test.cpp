// Optimisers against torch.optim trajectories (tools/reference/optim_reference.py).
#include <cstring>
#include <map>

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
