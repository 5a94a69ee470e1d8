// ResNet against torchvision (tools/models/make_model_reference.py): converted random-init
// weights with perturbed BatchNorm, eval logits (one case at 224x224) and train-mode
// parameter gradients.
#include "model_reference.h"

TEST_CASE("resnet50 eval logits at 224x224 match torchvision") {
  msq::test::check_model_case("resnet50_eval_224");
}

TEST_CASE("resnet50 train-mode logits and parameter gradients match torchvision") {
  msq::test::check_model_case("resnet50_train");
}

TEST_CASE("resnet18 (BasicBlock) eval logits match torchvision") {
  msq::test::check_model_case("resnet18_eval");
}
