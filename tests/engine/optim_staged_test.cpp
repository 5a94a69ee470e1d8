// The optimisers' staged form (engine/optim/optimizer.h: per-step scalars read from device
// memory, for CUDA graphs) against the plain form: bit for bit over several steps with a
// learning rate that changes every step and two parameter groups, float32 and float64.
#include <functional>
#include <memory>
#include <string>

#include "kernels/backend.h"
#include "test_support.h"

using namespace msq;

namespace {

struct Params {
  Tensor p0, p1;
};

Params make_params(DType dtype) {
  Tensor p0 = from_vector<double>({0.5, -1.0, 2.0}, {3}).to(dtype).requires_grad_();
  Tensor p1 = from_vector<double>({0.3, -0.7, 1.1, 0.4}, {2, 2}).to(dtype).requires_grad_();
  return {p0, p1};
}

std::vector<ParamGroup> groups_of(const Params& p) {
  std::vector<ParamGroup> groups(2);
  groups[0].params = {p.p0};
  groups[0].lr = 0.1;
  groups[0].weight_decay = 0.02;
  groups[1].params = {p.p1};
  groups[1].lr = 0.05;
  groups[1].weight_decay = 0.01;
  return groups;
}

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

// `steps` steps of a fixed loss; before step k every group's lr is scaled by decay^k (a
// schedule); staged: stage() before each step.
std::vector<double> trajectory(const MakeOptimizer& make, DType dtype, bool staged, int steps,
                               double decay = 0.8) {
  Params p = make_params(dtype);
  std::unique_ptr<Optimizer> opt = make(groups_of(p));
  opt->set_staged(staged);
  Tensor c0 = from_vector<double>({1.0, 0.5, 2.0}, {3}).to(dtype);
  Tensor c1 = from_vector<double>({0.2, 0.1, 0.3, 0.4}, {2, 2}).to(dtype);
  std::vector<double> out;
  for (int step = 0; step < steps; ++step) {
    opt->groups()[0].lr *= decay;
    opt->groups()[1].lr *= decay;
    if (staged) opt->stage();
    opt->zero_grad();
    Tensor loss = add(add(sum(mul(c0, square(p.p0))), sum(mul(c1, pow(p.p1, 3.0)))),
                      mul(sum(p.p0), sum(p.p1)));
    loss.backward();
    opt->step();
    for (const Tensor& t : {p.p0, p.p1}) {
      for (double v : t.to(DType::Float64).to_vector<double>()) out.push_back(v);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("staged optimisers equal the plain form bit for bit (schedule, two groups)") {
  const std::vector<std::pair<std::string, MakeOptimizer>> optimizers = {
      {"sgd", [](std::vector<ParamGroup> g) { return std::make_unique<SGD>(g, SGDOptions{0.1}); }},
      {"sgd_momentum", [](std::vector<ParamGroup> g) {
         return std::make_unique<SGD>(g, SGDOptions{0.1, 0.9, 0.1, 0.0, false});
       }},
      {"sgd_nesterov", [](std::vector<ParamGroup> g) {
         return std::make_unique<SGD>(g, SGDOptions{0.1, 0.8, 0.0, 0.0, true});
       }},
      {"adam", [](std::vector<ParamGroup> g) {
         return std::make_unique<Adam>(g, AdamOptions{0.1, 0.8, 0.95, 1e-6, 0.0});
       }},
      {"adamw", [](std::vector<ParamGroup> g) {
         return std::make_unique<AdamW>(g, AdamOptions{0.1, 0.9, 0.999, 1e-8, 0.1});
       }},
  };
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (const auto& [name, make] : optimizers) {
      CAPTURE(name);
      CAPTURE(dtype_name(dtype));
      std::vector<double> plain = trajectory(make, dtype, false, 7);
      std::vector<double> staged = trajectory(make, dtype, true, 7);
      REQUIRE(plain.size() == staged.size());
      for (size_t i = 0; i < plain.size(); ++i) CHECK(staged[i] == plain[i]);
      // The schedule matters: a constant learning rate gives another trajectory.
      CHECK(plain.back() != trajectory(make, dtype, false, 7, 1.0).back());
    }
  }
}

TEST_CASE("staged Adam reads its scalars when the kernel runs, not when step() was written") {
  // A captured graph bakes step()'s kernel arguments; the staged values are what changes. Here
  // the same operands (the staged row's address) are given to the backend twice, with new
  // values staged in between: the second update uses the new ones.
  Tensor p = from_vector<double>({1.0, 2.0}, {2}).requires_grad_();
  Adam opt({p}, AdamOptions{0.1});
  opt.set_staged(true);
  opt.stage();  // step 1
  sum(square(p)).backward();
  opt.step();
  std::vector<double> after_one = p.to_vector<double>();
  opt.groups()[0].lr = 0.0;  // a zero learning rate from step 2 on
  opt.stage();
  opt.step();  // the same gradient, lr 0: no change
  CHECK(p.to_vector<double>() == after_one);
  CHECK(opt.state().at("0.0.step").item() == 2);
}

TEST_CASE("staged form: clear errors without stage() or without set_staged") {
  Tensor p = ones({2}, DType::Float64).requires_grad_();
  Adam adam({p}, AdamOptions{0.1});
  adam.set_staged(true);
  sum(p).backward();
  CHECK_THROWS_WITH_AS(adam.step(), doctest::Contains("[adam] a staged step needs stage() before it"), Error);
  SGD sgd({p}, SGDOptions{0.1});
  CHECK_THROWS_WITH_AS(sgd.stage(), doctest::Contains("[sgd] stage() needs the staged form"), Error);
}
