// EfficientNet against torchvision: B3 eval logits and train-mode gradients (stochastic
// depth and dropout off), and eval logits of B0, B5 (BatchNorm eps 1e-3) and V2-S
// (FusedMBConv).
#include "model_reference.h"

TEST_CASE("efficientnet_b3 eval logits match torchvision") {
  msq::test::check_model_case("efficientnet_b3_eval");
}

TEST_CASE("efficientnet_b3 train-mode logits and parameter gradients match torchvision") {
  msq::test::check_model_case("efficientnet_b3_train");
}

TEST_CASE("efficientnet_b0, b5 and v2_s eval logits match torchvision") {
  msq::test::check_model_case("efficientnet_b0_eval");
  msq::test::check_model_case("efficientnet_b5_eval");
  msq::test::check_model_case("efficientnet_v2_s_eval");
}
