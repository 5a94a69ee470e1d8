// Finding the images of a dataset on disk.
//
// Two layouts:
// - kaggle: the Kaggle `buraktaci/multiple-sclerosis` folders `MS Axial_crop/`,
//   `MS Saggital_crop/`, `Control Axial_crop/`, `Control Saggital_crop/` (the spelling
//   "Sagittal" and a missing "_crop" are accepted too; case does not matter). One plane is
//   read at a time; classes are {"control", "ms"}: label 0 = control, 1 = MS.
// - generic: `root/<class>/` image folders; classes are the folder names in sorted order,
//   labels 0, 1, ... (as torchvision's ImageFolder).
// auto picks kaggle when any Kaggle-named folder exists, else generic.
//
// Images are the files ending in .png, .jpg, .jpeg or .bmp (any case), found recursively
// under each class folder, sorted by path. Every file is read once to fill its size and
// content hash, and byte-identical files are marked (duplicates.h).
// Errors: a missing root, an unknown layout (no Kaggle folders and no class folders), a
// missing class folder for the plane, a class folder without images.
#pragma once
#include <string>

#include "engine/data/dataset.h"
#include "engine/data/subjects.h"

namespace msq::data {

enum class Layout { Auto, Kaggle, Generic };

struct ScanOptions {
  Layout layout = Layout::Auto;
  std::string plane = "axial";  // kaggle only: "axial" or "sagittal"
  SubjectOptions subjects;      // fills Sample::subject
};

// "auto" / "kaggle" / "generic" -> Layout; errors name the text.
Layout parse_layout(const std::string& name);

// Scans `root`; see above.
Dataset scan_dataset(const std::string& root, const ScanOptions& options = {});

}  // namespace msq::data
