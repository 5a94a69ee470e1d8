// A small ResNet-style bottleneck stack learns a synthetic two-class image task with a fixed
// seed: the loss falls and the accuracy rises. Exercises conv (1x1, 3x3, strided), batch
// norm in training, residual adds, global pooling, Linear, Adam and the LR scheduler.
#include "engine/nn/nn.h"
#include "test_support.h"

using namespace msq;

namespace {

// conv1x1 -> BN -> ReLU -> conv3x3 (stride) -> BN -> ReLU -> conv1x1 -> BN, plus the
// identity or a strided 1x1 projection, then ReLU (torchvision's Bottleneck, names included).
class Bottleneck : public nn::Module {
 public:
  Bottleneck(int64_t in, int64_t mid, int64_t out, int64_t stride) {
    conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(in, mid, 1, 1, 0, 1, 1, false));
    bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(mid));
    conv2 =
        register_module("conv2", std::make_shared<nn::Conv2d>(mid, mid, 3, stride, 1, 1, 1, false));
    bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(mid));
    conv3 = register_module("conv3", std::make_shared<nn::Conv2d>(mid, out, 1, 1, 0, 1, 1, false));
    bn3 = register_module("bn3", std::make_shared<nn::BatchNorm2d>(out));
    if (stride != 1 || in != out) {
      downsample = register_module(
          "downsample", std::make_shared<nn::Sequential>(nn::Sequential{
                            std::make_shared<nn::Conv2d>(in, out, 1, stride, 0, 1, 1, false),
                            std::make_shared<nn::BatchNorm2d>(out)}));
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = relu(bn1->forward(conv1->forward(x)));
    y = relu(bn2->forward(conv2->forward(y)));
    y = bn3->forward(conv3->forward(y));
    return relu(add(y, downsample ? downsample->forward(x) : x));
  }
  std::shared_ptr<nn::Conv2d> conv1, conv2, conv3;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<nn::Sequential> downsample;
};

// Class 0: a bright square in the top-left quadrant; class 1: bottom-right; plus noise.
void make_batch(int64_t n, Tensor& images, Tensor& labels, uint64_t seed) {
  manual_seed(seed);
  Tensor noise = randn({n, 3, 16, 16});
  Tensor coin = rand({n});
  std::vector<float> img = noise.to_vector<float>();
  std::vector<float> c = coin.to_vector<float>();
  std::vector<int64_t> lab(n);
  for (int64_t i = 0; i < n; ++i) {
    lab[i] = c[i] < 0.5f ? 0 : 1;
    int64_t off = lab[i] == 0 ? 2 : 9;
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t h = off; h < off + 5; ++h)
        for (int64_t w = off; w < off + 5; ++w) img[((i * 3 + ch) * 16 + h) * 16 + w] += 1.5f;
  }
  images = from_vector(img, {n, 3, 16, 16});
  labels = from_vector(lab, {n});
}

double accuracy(const Tensor& logits, const Tensor& labels) {
  std::vector<int64_t> pred = argmax(logits, 1).to_vector<int64_t>();
  std::vector<int64_t> lab = labels.to_vector<int64_t>();
  int64_t right = 0;
  for (size_t i = 0; i < lab.size(); ++i) right += pred[i] == lab[i];
  return double(right) / double(lab.size());
}

}  // namespace

TEST_CASE("a bottleneck stack trains on synthetic images: loss falls, accuracy rises") {
  manual_seed(1234);
  auto net = std::make_shared<nn::Sequential>(nn::Sequential{
      std::make_shared<nn::Conv2d>(3, 16, 3, 1, 1, 1, 1, false),
      std::make_shared<nn::BatchNorm2d>(16), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(3, 2, 1), std::make_shared<Bottleneck>(16, 8, 32, 1),
      std::make_shared<Bottleneck>(32, 16, 64, 2), std::make_shared<nn::AdaptiveAvgPool2d>(1),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(64, 2)});
  CHECK(net->named_parameters()[3].first == "4.conv1.weight");
  bool has_downsample = false;
  for (auto& [name, t] : net->state_dict())
    has_downsample |= name == "5.downsample.1.num_batches_tracked";
  CHECK(has_downsample);

  Tensor test_x, test_y;
  make_batch(128, test_x, test_y, 999);
  net->eval();
  double acc_before = accuracy(net->forward(test_x), test_y);

  Adam opt(net->trainable_parameters(), AdamOptions{3e-3});
  nn::StepLR sched(opt, 20, 0.5);
  net->train();
  double first_loss = 0, last_loss = 0;
  const int steps = 40;
  for (int step = 0; step < steps; ++step) {
    Tensor x, y;
    make_batch(32, x, y, 100 + step);
    opt.zero_grad();
    Tensor loss = cross_entropy(net->forward(x), y);
    loss.backward();
    nn::clip_grad_norm(net->trainable_parameters(), 5.0);
    opt.step();
    sched.step();
    if (step < 5) first_loss += loss.item() / 5;
    if (step >= steps - 5) last_loss += loss.item() / 5;
  }
  net->eval();
  double acc_after = accuracy(net->forward(test_x), test_y);
  MESSAGE("loss " << first_loss << " -> " << last_loss << ", accuracy " << acc_before << " -> "
                  << acc_after);
  CHECK(last_loss < 0.5 * first_loss);
  CHECK(acc_after >= 0.9);
  CHECK(acc_after > acc_before);
}
