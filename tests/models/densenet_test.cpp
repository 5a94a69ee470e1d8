// DenseNet121 against torchvision: converted random-init weights, eval logits and
// train-mode parameter gradients.
#include "model_reference.h"

TEST_CASE("densenet121 eval logits match torchvision") {
  msq::test::check_model_case("densenet121_eval");
}

TEST_CASE("densenet121 train-mode logits and parameter gradients match torchvision") {
  msq::test::check_model_case("densenet121_train");
}
