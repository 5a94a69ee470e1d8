// A synthetic MS-like dataset: the main job's default when no real data is given, and a
// small, fast, seeded fixture for tests.
//
// Each slice is a brain-like shape on a dark background: an ellipse (axial: round-ish,
// taller than wide; sagittal: elongated, wider than tall) with a brighter cortical rim
// (grey matter, folded by angular ripples), darker white matter inside, dark ventricles
// (axial: two symmetric tilted ovals; sagittal: one long oval), smooth low-frequency
// intensity variation and pixel noise. MS slices add 2-6 bright ovoid lesions in the white
// matter (outside the ventricles); control slices have none. Size, position and rotation of
// the brain vary per slice. Every slice is drawn from its own generator,
// std::mt19937_64(derive_seed(seed, {plane, label, index})), so a seed fixes the dataset
// (bit for bit with one C maths library; another libm may move a pixel by one level).
//
// On disk it uses the Kaggle layout and names: `MS Axial_crop/A1 (n).png`,
// `MS Saggital_crop/S1 (n).png`, `Control Axial_crop/kontrol s (k).png`,
// `Control Saggital_crop/kontrol s (k).png` (control subject s of slices_per_subject
// slices), as 8-bit greyscale PNGs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/image.h"

namespace msq::data {

struct SyntheticOptions {
  int64_t per_class = 150;  // slices per class and plane
  int64_t size = 128;       // width = height
  uint64_t seed = 0;
  bool axial = true;
  bool sagittal = true;
  int64_t slices_per_subject = 15;
};

struct SyntheticSlice {
  std::string path;   // Kaggle-layout path relative to the root
  int64_t label = 0;  // 0 control, 1 MS
  std::string plane;  // "axial" / "sagittal"
  int64_t lesions = 0;
  ImageU8 image;      // 1 channel, size x size
};

// One slice; `seed` fixes it completely.
SyntheticSlice synthetic_slice(const std::string& plane, bool ms, uint64_t seed, int64_t size);
// Every slice of the dataset, in memory, with its Kaggle path.
std::vector<SyntheticSlice> generate_synthetic(const SyntheticOptions& options = {});
// Writes the dataset as PNGs under root (created if needed); returns the number of files.
int64_t write_synthetic_dataset(const std::string& root, const SyntheticOptions& options = {});

}  // namespace msq::data
