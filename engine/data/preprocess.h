// The study's preprocessing: decode, resize to size x size (bilinear, antialiased), values
// in [0, 1] (byte / 255). ImageNet normalisation ((x - mean) / std per channel, with
// torchvision's constants) is optional: the paper does not mention it, pretrained
// backbones usually expect it.
#pragma once
#include <cstdint>
#include <string>

#include "engine/core/tensor.h"

namespace msq::data {

struct PreprocessOptions {
  int64_t size = 224;             // output height and width
  bool antialias = true;          // see resize.h
  bool imagenet_normalize = false;
};

constexpr float kImagenetMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kImagenetStd[3] = {0.229f, 0.224f, 0.225f};

// float [3, H, W] -> the same, each channel (x - mean) / std. Returns a new tensor.
Tensor normalize_imagenet(const Tensor& image);
// Reads, decodes and resizes one file to float32 [3, size, size] in [0, 1] (not normalised).
Tensor load_resized(const std::string& path, int64_t size, bool antialias = true);
// load_resized, then normalize_imagenet when asked.
Tensor preprocess_image(const std::string& path, const PreprocessOptions& options = {});

}  // namespace msq::data
