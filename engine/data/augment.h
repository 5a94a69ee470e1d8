// Training-set augmentation, seeded per (seed, epoch, sample) so that an image's transform
// does not depend on thread scheduling or batch order.
//
// Applied in this order to a float [C, H, W] image in [0, 1]:
// 1. horizontal flip (column x -> W - 1 - x), with probability flip_probability;
// 2. one affine warp about the image centre ((W - 1) / 2, (H - 1) / 2) in pixel units:
//    rotation by angle (degrees, positive = counter-clockwise as seen on screen), scaling by
//    `scale`, then translation by (translate_x, translate_y) pixels. Each output pixel
//    samples the input bilinearly at the inverse-mapped position; positions outside the
//    image read 0 (zero padding, as Kornia's default);
// 3. contrast and brightness: x' = clamp(contrast * (x - m) + m + brightness, 0, 1) with
//    m the mean of the image (all channels).
// Parameters are drawn uniformly: angle in [-max_rotation_deg, max_rotation_deg],
// translate_x / translate_y in [-max_translate, max_translate] times W / H, scale in
// [1 - max_scale, 1 + max_scale], brightness in [-max_brightness, max_brightness],
// contrast in [1 - max_contrast, 1 + max_contrast]. All are drawn (in that order, after
// the flip) whatever their magnitude, from std::mt19937_64(derive_seed(seed, {epoch,
// sample})) (random.h). Steps whose parameters are the identity are skipped, so zero
// magnitudes return the input exactly.
#pragma once
#include <cstdint>

#include "engine/core/tensor.h"

namespace msq::data {

struct AugmentOptions {
  double flip_probability = 0.5;
  double max_rotation_deg = 10.0;
  double max_translate = 0.05;  // fraction of the image size
  double max_scale = 0.05;
  double max_brightness = 0.1;
  double max_contrast = 0.1;

  // Every magnitude 0: augmentation is the identity.
  static AugmentOptions none() { return AugmentOptions{0, 0, 0, 0, 0, 0}; }
};

struct AugmentParams {
  bool flip = false;
  double angle_deg = 0, translate_x = 0, translate_y = 0, scale = 1;  // translation in pixels
  double brightness = 0, contrast = 1;
};

// The transform of one sample in one epoch, for an image of the given size.
AugmentParams draw_augment(const AugmentOptions& options, int64_t width, int64_t height, uint64_t seed,
                           int64_t epoch, int64_t sample);
// Applies a transform to float [C, H, W]; returns a new tensor.
Tensor apply_augment(const Tensor& image, const AugmentParams& params);
// draw_augment + apply_augment.
Tensor augment_image(const Tensor& image, const AugmentOptions& options, uint64_t seed, int64_t epoch,
                     int64_t sample);

}  // namespace msq::data
