// Loading named tensors into a module: strict and partial, skip prefixes, the report.
#include "engine/nn/load_weights.h"
#include "test_support.h"

using namespace msq;

namespace {

// A two-level module: "head.weight", "head.bias", "body.0.weight", "body.0.running_mean".
std::shared_ptr<nn::Module> make_model() {
  auto root = std::make_shared<nn::Module>();
  auto body = std::make_shared<nn::Module>();
  auto layer = std::make_shared<nn::Module>();
  layer->register_parameter("weight", zeros({3, 2}));
  layer->register_buffer("running_mean", zeros({3}));
  body->register_module("0", layer);
  root->register_module("body", body);
  auto head = std::make_shared<nn::Module>();
  head->register_parameter("weight", zeros({2, 3}));
  head->register_parameter("bias", zeros({2}));
  root->register_module("head", head);
  return root;
}

}  // namespace

TEST_CASE("strict load copies everything and converts dtypes") {
  auto m = make_model();
  NamedTensorList src = {{"body.0.weight", ones({3, 2}, DType::Float64)},
                         {"body.0.running_mean", full({3}, 0.5)},
                         {"head.weight", full({2, 3}, 2.0)},
                         {"head.bias", full({2}, -1.0)}};
  nn::LoadReport r = nn::load_weights_into(*m, src);
  CHECK(r.complete());
  CHECK(r.loaded.size() == 4);
  auto sd = m->state_dict();
  CHECK(sd[0].first == "body.0.weight");
  CHECK(sd[0].second.dtype() == DType::Float32);
  CHECK(sd[0].second.to_vector<float>() == std::vector<float>(6, 1.0f));
  CHECK(sd[0].second.requires_grad());  // still a trainable leaf
  CHECK(sd[1].second.to_vector<float>() == std::vector<float>(3, 0.5f));
}

TEST_CASE("strict load fails with a report and leaves the module untouched") {
  auto m = make_model();
  NamedTensorList src = {{"body.0.weight", ones({3, 2})},
                         {"head.weight", ones({5, 3})},
                         {"extra.weight", ones({1})}};
  CHECK_THROWS_WITH_AS(nn::load_weights_into(*m, src, {}, "w.msqw"),
                       doctest::Contains("'w.msqw' does not match the model: loaded 1, missing 2, unexpected 1, shape mismatches 1"),
                       Error);
  CHECK(m->state_dict()[0].second.to_vector<float>() == std::vector<float>(6, 0.0f));
}

TEST_CASE("partial load with a skipped head reports missing, unexpected and mismatched") {
  auto m = make_model();
  NamedTensorList src = {{"body.0.weight", ones({3, 2})},
                         {"head.weight", ones({1000, 3})},
                         {"head.bias", ones({1000})},
                         {"other", ones({1})}};
  nn::LoadOptions o;
  o.strict = false;
  o.skip_prefixes = {"head."};
  nn::LoadReport r = nn::load_weights_into(*m, src, o);
  CHECK(r.loaded == std::vector<std::string>{"body.0.weight"});
  CHECK(r.missing == std::vector<std::string>{"body.0.running_mean"});
  CHECK(r.unexpected == std::vector<std::string>{"other"});
  CHECK(r.mismatched.empty());
  CHECK(r.skipped.size() == 4);  // head.weight, head.bias in the module and in the source
  CHECK(r.summary().find("missing (1):\n    body.0.running_mean") != std::string::npos);
  o.skip_prefixes.clear();
  nn::LoadReport r2 = nn::load_weights_into(*m, src, o);
  REQUIRE(r2.mismatched.size() == 2);
  CHECK(r2.mismatched[0] == "head.weight: source [1000, 3] vs module [2, 3]");
}

TEST_CASE("load from an .msqw file") {
  auto m = make_model();
  std::string path = "/tmp/msq_load_weights_test.msqw";
  save_weights(path, m->state_dict());
  auto m2 = make_model();
  CHECK(nn::load_weights_file(*m2, path).complete());
  std::remove(path.c_str());
}
