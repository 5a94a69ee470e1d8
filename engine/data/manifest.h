// The split manifest: a JSON file that records a dataset's split so that training and
// evaluation read exactly the same files. Format (version 1):
//   {
//     "format": "msq-split-manifest", "version": 1,
//     "root": "<data root when written>",  // informational: readers may pass another root
//     "layout": "kaggle" | "generic", "plane": "axial" | "sagittal" | "",
//     "classes": ["control", "ms"],         // label -> class name
//     "split": {"seed": 42, "test_fraction": 0.2, "val_fraction": 0.2,
//               "subject_aware": false, "subject_pattern": "...", "ungrouped_block": 0},
//     "counts": {"train": {"control": n, "ms": m}, "val": {...}, "test": {...}},  // informational
//     "files": [{"path": "MS Axial_crop/A1 (1).jpg",  // relative to the root, '/' separated
//                "label": 1, "subset": "train" | "val" | "test",
//                "subject": "" | "kontrol 12",
//                "hash": "<16 hex digits: FNV-1a 64 of the bytes>", "bytes": 12345,
//                "duplicate_of": -1 | <index into files>}, ...],
//     "skipped": [{"path": "...", "reason": "..."}, ...]  // optional: unreadable images left out
//   }
// Written atomically (write_file_atomic). Reading validates every field (errors name the
// manifest and the field, e.g. "files[12].label") and that every file exists with the
// recorded size; verify_hashes also re-hashes every file.
#pragma once
#include <string>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/data/split.h"
#include "engine/data/subjects.h"

namespace msq::data {

// An image left out of the dataset because it could not be decoded (--skip-bad-images).
struct SkippedFile {
  std::string path;    // relative to the data root
  std::string reason;  // the decoder's error
};

struct SplitManifest {
  Dataset dataset;  // every sample with its subset
  SplitOptions split;
  SubjectOptions subjects;
  std::vector<SkippedFile> skipped;
};

// The manifest as JSON text (2-space indented).
std::string split_manifest_json(const SplitManifest& manifest);
// Writes the manifest atomically.
void write_split_manifest(const std::string& path, const SplitManifest& manifest);

struct ManifestReadOptions {
  std::string data_root;       // "" = the root recorded in the manifest
  bool check_files = true;     // every file exists with the recorded size
  bool verify_hashes = false;  // and has the recorded FNV-1a hash
};

// Reads and validates a manifest; Dataset::root is the data root used.
SplitManifest read_split_manifest(const std::string& path, const ManifestReadOptions& options = {});

}  // namespace msq::data
