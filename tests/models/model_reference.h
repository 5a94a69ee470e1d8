// Parity of msq's models with their PyTorch twins: runs tools/models/make_model_reference.py
// for one case at test time (references next to the test executable, generated once per
// run), builds the msq model from the case's ModelConfig, loads the case's weights (the
// load must be complete: no missing, unexpected or mismatched names), and compares logits
// (eval) or logits and every parameter gradient (train, in float32 and, against float64
// references, again with the model in float64 where the check is strict). Skips with a message where
// /usr/bin/python3 or its torch is absent.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/msq.h"
#include "engine/nn/load_weights.h"
#include "engine/nn/nn.h"
#include "models/models.h"
#include "test_support.h"

namespace msq::test {

struct ModelCase {
  WeightsFile weights, ref;
  std::string config_json, mode;
};

inline bool load_model_case(const std::string& name, ModelCase& out, std::string& why) {
  namespace fs = std::filesystem;
  if (!fs::exists("/usr/bin/python3")) {
    why = "no /usr/bin/python3: PyTorch references unavailable";
    return false;
  }
  if (std::system("/usr/bin/python3 -c 'import torch, torchvision, numpy' > /dev/null 2>&1") != 0) {
    why = "python3 lacks torch/torchvision/numpy: PyTorch references unavailable";
    return false;
  }
  fs::path dir = fs::read_symlink("/proc/self/exe").parent_path() / "models_reference";
  fs::create_directories(dir);
  fs::path ref = dir / (name + ".ref.msqw");
  if (!fs::exists(ref)) {
    std::string cmd = "/usr/bin/python3 tools/models/make_model_reference.py " + name + " " +
                      dir.string();
    if (std::system(cmd.c_str()) != 0) {
      why = "the reference script failed: " + cmd;
      return false;
    }
  }
  out.weights = load_weights((dir / (name + ".weights.msqw")).string());
  out.ref = load_weights(ref.string());
  auto meta = nlohmann::json::parse(out.ref.metadata_json);
  out.config_json = meta.at("config").dump();
  out.mode = meta.at("mode").get<std::string>();
  return true;
}

// Builds, loads and compares; returns the model (null when skipped).
inline std::shared_ptr<models::Backbone> check_model_case(const std::string& name,
                                                          double logits_tol = 1e-4,
                                                          double grad_tol = 1e-3) {
  ModelCase c;
  std::string why;
  if (!load_model_case(name, c, why)) {
    skip(why);
    return nullptr;
  }
  auto model = models::build_model(models::ModelConfig::from_json(c.config_json));
  nn::LoadReport report = nn::load_weights_into(*model, c.weights.tensors, {}, name);
  CHECK_MESSAGE(report.complete(), name, ": ", report.summary());
  const Tensor& x = c.ref.at("x");
  if (c.mode == "eval") {
    model->eval();
    NoGradGuard no_grad;
    Tensor y = model->forward(x);
    const double err = max_relative_error(y, c.ref.at("logits"));
    MESSAGE(name, ": logits relative error ", err);
    CHECK(err <= logits_tol);
    return model;
  }
  // Train mode: logits and every parameter gradient, first in float32, then (against float64
  // references) with the model in float64, where the check is strict (logits 1e-7,
  // gradients 1e-6): the float64 run goes through the same kernels (templated on the type),
  // so it checks the algorithm exactly. Train-mode BatchNorm over few values (small inputs,
  // batch 2) is ill-conditioned, and a ReLU input within rounding of zero flips its mask:
  // float32 PyTorch itself moves deep gradients by up to ~0.4 relative when its input moves
  // by one ulp. The reference records that spread ("f32err/<name>": the worst of several
  // float32 PyTorch runs on ulp-jittered inputs), and in float32 a gradient must be within
  // max(1e-3, 10 x that spread).
  auto tolerance = [&](const std::string& key, double base) {
    if (!c.ref.contains("f32err/" + key)) return base;
    return std::max(base, 10 * c.ref.at("f32err/" + key).to(DType::Float64).item());
  };
  const bool float64_reference = c.ref.contains("f32err/logits");
  for (DType dtype : {DType::Float32, DType::Float64}) {
    if (dtype == DType::Float64 && !float64_reference) break;
    const bool exact = dtype == DType::Float64;  // then the check is strict
    const std::string label = exact ? "float64" : "float32";
    if (exact) {  // a fresh model, so no gradient carries over
      model = models::build_model(models::ModelConfig::from_json(c.config_json));
      nn::load_weights_into(*model, c.weights.tensors, {}, name);
      model->to(DType::Float64);
      model->visit([](const std::string&, nn::Module& m) {
        if (auto* q = dynamic_cast<quantum::QuantumLayer*>(&m)) {
          q->options().sim.precision = quantum::Precision::Complex128;
        }
      });
    }
    model->train();
    model->visit([](const std::string&, nn::Module& m) {  // the reference drops nothing
      if (auto* d = dynamic_cast<nn::Dropout*>(&m)) d->p = 0.0;
    });
    Tensor y = model->forward(x.to(dtype));
    const double err = max_relative_error(y, c.ref.at("logits"));
    const double ltol = exact ? 1e-7 : tolerance("logits", logits_tol);
    CHECK_MESSAGE(err <= ltol, name, " ", label, ": train-mode logits relative error ", err);
    sum(mul(y, c.ref.at("gy").to(dtype))).backward();
    double worst = 0, worst_ratio = 0;
    std::string worst_name;
    int compared = 0, worse_than_torch = 0;
    // A gradient that is zero in exact arithmetic (the QCNN's RZ weights) is compared on the
    // model's scale in float32: the floor of the relative error is 1e-4 x the largest
    // reference gradient of any parameter.
    double grad_scale = 0;
    for (auto& [pname, p] : model->named_parameters()) {
      if (c.ref.contains("grad/" + pname)) {
        grad_scale = std::max(grad_scale, max(abs(c.ref.at("grad/" + pname))).item());
      }
    }
    const double floor = exact ? 1e-6 : std::max(1e-6, 1e-4 * grad_scale);
    for (auto& [pname, p] : model->named_parameters()) {
      REQUIRE_MESSAGE(c.ref.contains("grad/" + pname), name, ": no reference gradient for ",
                      pname);
      REQUIRE_MESSAGE(p.grad().defined(), name, ": no gradient for ", pname);
      const double e = max_relative_error(p.grad(), c.ref.at("grad/" + pname), floor);
      const double tol = exact ? 1e-6 : tolerance(pname, grad_tol);
      if (e > tol) ++worse_than_torch;
      if (e / tol > worst_ratio) {
        worst_ratio = e / tol;
        worst = e;
        worst_name = pname;
      }
      if (exact) {
        CHECK_MESSAGE(e <= tol, name, " float64: gradient of ", pname, " relative error ", e);
      } else {
        CHECK_MESSAGE(e <= tol, name, " float32: gradient of ", pname, " relative error ", e,
                      " > ", tol, " (10x float32 PyTorch's spread)");
      }
      ++compared;
    }
    MESSAGE(name, " ", label, ": logits relative error ", err, "; ", compared,
            " parameter gradients, worst relative error ", worst, " (", worst_name,
            ", ", worst_ratio, " of its tolerance); ", worse_than_torch,
            " above max(1e-3, 10x float32 PyTorch's spread)");
  }
  return model;
}

}  // namespace msq::test
