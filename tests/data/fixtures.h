// Small on-disk datasets for the data tests: tiny PNGs whose pixels encode an id, so that
// files are distinct unless made duplicates on purpose.
#pragma once
#include <filesystem>
#include <string>

#include "engine/data/image.h"

namespace msq::test {

// A w x h greyscale PNG whose pixels depend on `id` (distinct ids give distinct bytes).
inline void write_id_png(const std::string& path, int id, int w = 6, int h = 5) {
  data::ImageU8 im;
  im.width = w;
  im.height = h;
  im.channels = 1;
  for (int i = 0; i < w * h; ++i) im.pixels.push_back(static_cast<uint8_t>((id * 31 + i * 7 + id / 256) % 256));
  im.pixels[0] = static_cast<uint8_t>(id % 256);
  im.pixels[1] = static_cast<uint8_t>(id / 256);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  data::write_png(path, im);
}

// A Kaggle-layout dataset under root:
//   MS Axial_crop/A1 (1..ms_axial).png, Control Axial_crop/kontrol s (k).png for subjects
//   s = 1..4 with 6 slices each plus "kontrol  (1..4)", and the same for sagittal with
//   S1 / "kontrol 35 s (k)". "A1 (2)" duplicates "A1 (1)" and "kontrol 2 (1)" duplicates
//   "kontrol 1 (6)" (axial). Returns the number of axial files.
inline int make_kaggle_fixture(const std::string& root, int ms_axial = 30) {
  int id = 1, axial = 0;
  for (int n = 1; n <= ms_axial; ++n, ++axial)
    write_id_png(root + "/MS Axial_crop/A1 (" + std::to_string(n) + ").png", n == 2 ? 1 : id++);
  for (int s = 1; s <= 4; ++s)
    for (int k = 1; k <= 6; ++k, ++axial)
      write_id_png(root + "/Control Axial_crop/kontrol " + std::to_string(s) + " (" + std::to_string(k) + ").png",
                   s == 2 && k == 1 ? 1000 + 6 : (s == 1 && k == 6 ? 1000 + 6 : 1000 + s * 10 + k));
  for (int k = 1; k <= 4; ++k, ++axial)
    write_id_png(root + "/Control Axial_crop/kontrol  (" + std::to_string(k) + ").png", 2000 + k);
  for (int n = 1; n <= 20; ++n) write_id_png(root + "/MS Saggital_crop/S1 (" + std::to_string(n) + ").png", 3000 + n);
  for (int k = 1; k <= 12; ++k)
    write_id_png(root + "/Control Saggital_crop/kontrol 35 s (" + std::to_string(k) + ").png", 4000 + k);
  return axial;
}

}  // namespace msq::test
