// The multi-tensor optimiser steps and fills on the GPU (Backend::adam_step_multi,
// sgd_step_multi, fill_multi; kernels/cuda/multi_tensor.cuh): many tensors of odd sizes in
// one launch against the per-tensor GPU kernels (bit for bit: the same per-element code) and
// the per-tensor CPU kernels (within rounding), float32 and float64, over several steps; the
// optimisers and zero_grad(false) through them. Every case skips without a CUDA device.
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "test_support.h"

using namespace msq;

namespace {

Device gpu() { return Device::cuda(); }

// Sizes around the chunk boundary (16384 elements) and the block size, plus tiny ones.
const std::vector<int64_t> kSizes = {1, 3, 1000, 65537, 2, 16384, 16385, 257, 7};

double tol_for(DType t) { return t == DType::Float64 ? 1e-10 : 2e-5; }

struct Copies {
  std::vector<Tensor> cpu, gpu_multi, gpu_single;
};

// Random tensors of kSizes, lo..hi, as three independent copies (CPU, GPU, GPU).
Copies random_copies(DType dt, double lo, double hi, uint64_t seed) {
  manual_seed(seed);
  Copies c;
  for (int64_t n : kSizes) {
    Tensor t = uniform({n}, lo, hi, dt);
    c.cpu.push_back(t);
    c.gpu_multi.push_back(t.to(gpu()));
    c.gpu_single.push_back(t.to(gpu()));
  }
  return c;
}

void check_copies(const Copies& c, DType dt, const std::string& what) {
  for (size_t k = 0; k < kSizes.size(); ++k) {
    std::string w = what + " size " + std::to_string(kSizes[k]) + " " + dtype_name(dt);
    test::check_close(c.gpu_multi[k], c.gpu_single[k], 0, 0, w + " (multi vs per-tensor GPU)");
    double tol = tol_for(dt) * 10;
    test::check_close(c.gpu_multi[k], c.cpu[k], tol, tol, w + " (GPU vs CPU)");
  }
}

}  // namespace

TEST_CASE("cuda: adam_step_multi equals the per-tensor steps (Adam and AdamW)") {
  if (!test::require_cuda()) return;
  Backend& cpu = backend(Device::cpu());
  Backend& cuda = backend(gpu());
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (bool decoupled : {false, true}) {
      Copies p = random_copies(dt, -1, 1, 21);
      Copies m = random_copies(dt, 0, 0, 22);
      Copies v = random_copies(dt, 0, 0, 23);
      for (int step = 1; step <= 4; ++step) {
        Copies g = random_copies(dt, -1, 1, 100 + step);
        std::vector<AdamOperands> ops;
        for (size_t k = 0; k < kSizes.size(); ++k) {
          int64_t t = step + static_cast<int64_t>(k % 3);  // tensors at different step counts
          cpu.adam_step(p.cpu[k].view_for_kernel(), g.cpu[k].view_for_kernel(),
                        m.cpu[k].view_for_kernel(), v.cpu[k].view_for_kernel(), 0.01, 0.9, 0.999,
                        1e-8, 0.05, decoupled, t);
          cuda.adam_step(p.gpu_single[k].view_for_kernel(), g.gpu_single[k].view_for_kernel(),
                         m.gpu_single[k].view_for_kernel(), v.gpu_single[k].view_for_kernel(),
                         0.01, 0.9, 0.999, 1e-8, 0.05, decoupled, t);
          ops.push_back({p.gpu_multi[k].view_for_kernel(), g.gpu_multi[k].view_for_kernel(),
                         m.gpu_multi[k].view_for_kernel(), v.gpu_multi[k].view_for_kernel(), t});
        }
        cuda.adam_step_multi(ops, 0.01, 0.9, 0.999, 1e-8, 0.05, decoupled);
      }
      std::string name = decoupled ? "adamw" : "adam";
      check_copies(p, dt, name + " param");
      check_copies(m, dt, name + " exp_avg");
      check_copies(v, dt, name + " exp_avg_sq");
    }
  }
}

TEST_CASE("cuda: sgd_step_multi equals the per-tensor steps (momentum, Nesterov)") {
  if (!test::require_cuda()) return;
  Backend& cpu = backend(Device::cpu());
  Backend& cuda = backend(gpu());
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (bool nesterov : {false, true}) {
      double dampening = nesterov ? 0.0 : 0.1;
      Copies p = random_copies(dt, -1, 1, 31);
      Copies buf = random_copies(dt, 0, 0, 32);
      for (int step = 1; step <= 4; ++step) {
        Copies g = random_copies(dt, -1, 1, 200 + step);
        std::vector<SgdOperands> ops;
        for (size_t k = 0; k < kSizes.size(); ++k) {
          bool first = step == 1;
          cpu.sgd_step(p.cpu[k].view_for_kernel(), g.cpu[k].view_for_kernel(),
                       buf.cpu[k].view_for_kernel(), 0.05, 0.9, dampening, 0.01, nesterov, first);
          cuda.sgd_step(p.gpu_single[k].view_for_kernel(), g.gpu_single[k].view_for_kernel(),
                        buf.gpu_single[k].view_for_kernel(), 0.05, 0.9, dampening, 0.01, nesterov,
                        first);
          ops.push_back({p.gpu_multi[k].view_for_kernel(), g.gpu_multi[k].view_for_kernel(),
                         buf.gpu_multi[k].view_for_kernel(), first});
        }
        cuda.sgd_step_multi(ops, 0.05, 0.9, dampening, 0.01, nesterov);
      }
      check_copies(p, dt, "sgd param");
      check_copies(buf, dt, "sgd momentum");
    }
  }
}

TEST_CASE("cuda: the optimisers over many parameters (two dtypes in one group) match the CPU") {
  if (!test::require_cuda()) return;
  auto run = [](const std::string& name, auto make_optimizer) {
    std::vector<Tensor> pc, pg;
    manual_seed(41);
    for (size_t k = 0; k < kSizes.size(); ++k) {
      DType dt = k % 2 == 0 ? DType::Float32 : DType::Float64;
      Tensor t = uniform({kSizes[k]}, -1, 1, dt);
      pc.push_back(t.clone().requires_grad_());
      pg.push_back(t.to(gpu()).requires_grad_());
    }
    auto oc = make_optimizer(pc);
    auto og = make_optimizer(pg);
    for (int step = 0; step < 3; ++step) {
      for (size_t k = 0; k < kSizes.size(); ++k) {
        Tensor g = uniform({kSizes[k]}, -1, 1, pc[k].dtype());
        pc[k].set_grad(g);
        pg[k].set_grad(g.to(gpu()));
      }
      oc.step();
      og.step();
    }
    for (size_t k = 0; k < kSizes.size(); ++k) {
      double tol = tol_for(pc[k].dtype()) * 10;
      test::check_close(pg[k], pc[k], tol, tol, name + " param " + std::to_string(k));
    }
  };
  run("adam", [](std::vector<Tensor> p) { return Adam(p, AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.02}); });
  run("adamw", [](std::vector<Tensor> p) { return AdamW(p, AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.01}); });
  run("sgd", [](std::vector<Tensor> p) { return SGD(p, SGDOptions{0.05, 0.9, 0.0, 0.001, true}); });
}

TEST_CASE("cuda: fill_multi and zero_grad(false) zero every gradient in place, nothing else") {
  if (!test::require_cuda()) return;
  for (DType dt : {DType::Float32, DType::Float64}) {
    std::vector<Tensor> params, fences;
    for (int64_t n : kSizes) {
      params.push_back(ones({n}, TensorOptions(dt).with_device(gpu())).requires_grad_());
      fences.push_back(ones({n}, TensorOptions(dt).with_device(gpu())));  // allocated between
    }
    SGD opt(params, SGDOptions{0.1});
    for (Tensor& p : params) sum(mul(p, 3.0)).backward();
    std::vector<const void*> before;
    for (Tensor& p : params) before.push_back(p.grad().raw_data());
    opt.zero_grad(false);
    for (size_t k = 0; k < params.size(); ++k) {
      REQUIRE(params[k].grad().defined());
      CHECK(params[k].grad().raw_data() == before[k]);
      CHECK(sum(abs(params[k].grad())).item() == 0.0);
      CHECK(sum(fences[k]).item() == static_cast<double>(kSizes[k]));
    }
    std::vector<StridedView> views;
    for (Tensor& f : fences) views.push_back(f.view_for_kernel());
    backend(gpu()).fill_multi(views, 2.5);
    for (size_t k = 0; k < fences.size(); ++k) {
      CHECK(sum(fences[k]).item() == 2.5 * static_cast<double>(kSizes[k]));
    }
  }
}
