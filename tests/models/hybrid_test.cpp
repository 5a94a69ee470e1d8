// The hybrids against the study's construction in PyTorch (torchvision backbone, a head
// with the circuit simulated in plain torch: tools/models/reference_models.py): train-mode
// logits and gradients of every parameter (quantum weights included), and eval logits.
#include "model_reference.h"

TEST_CASE("qcnn logits and gradients match the torch reference") {
  msq::test::check_model_case("qcnn_train");
}

TEST_CASE("qcnn with a BatchNorm before the sigmoid (proj_norm) matches torch's BatchNorm1d") {
  msq::test::check_model_case("qcnn_bn_train");
}

TEST_CASE("qresnet50 logits and gradients match the torch reference") {
  msq::test::check_model_case("qresnet50_train");
}

TEST_CASE("qresnet50 eval logits (two dense layers, 4 qubits, 3 layers)") {
  msq::test::check_model_case("qresnet50_eval");
}

TEST_CASE("qdensenet121 logits and gradients match the torch reference") {
  msq::test::check_model_case("qdensenet121_train");
}

TEST_CASE("qefficientnet_b3 logits and gradients match the torch reference") {
  msq::test::check_model_case("qefficientnet_b3_train");
}
