#include "engine/data/preprocess.h"

#include "engine/data/image.h"
#include "engine/data/resize.h"

namespace msq::data {

Tensor normalize_imagenet(const Tensor& image) {
  check(image.dim() == 3 && image.size(0) == 3, "normalize",
        "expected a [3, H, W] image, got ", shape_str(image.shape()));
  Tensor out = image.to(DType::Float32).contiguous().clone();
  float* p = out.data<float>();
  const int64_t plane = image.size(1) * image.size(2);
  for (int64_t k = 0; k < 3; ++k)
    for (int64_t i = 0; i < plane; ++i)
      p[k * plane + i] = (p[k * plane + i] - kImagenetMean[k]) / kImagenetStd[k];
  return out;
}

Tensor load_resized(const std::string& path, int64_t size, bool antialias) {
  check(size > 0, "preprocess", "image size must be positive, got ", size);
  return resize_bilinear(load_image(path), size, size, antialias);
}

Tensor preprocess_image(const std::string& path, const PreprocessOptions& options) {
  Tensor x = load_resized(path, options.size, options.antialias);
  return options.imagenet_normalize ? normalize_imagenet(x) : x;
}

}  // namespace msq::data
