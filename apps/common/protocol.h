// msq-train --protocol: the study's whole grid. For every plane, one split (made once,
// <out>/<plane>/split.json, shared by every model and seed); for every model of that
// plane, optionally a search (<out>/<plane>/<model>/search/, search_run.h) whose best
// configuration is then retrained on each seed (<out>/<plane>/<model>/seed-<s>/, a full
// msq-train run folder), and evaluated on the test split; finally the report
// (protocol_report.h) in <out>/report/.
//
// Resumable: a seed run with a summary.json is done and skipped, one with a last.msqw is
// resumed, a search continues its journal; rerunning the same command finishes the grid.
// Several processes may run the same command at once (a SLURM array): they share each
// search's trials through its journal, and a seed run is trained by one of them while the
// others wait on its lock file (<run>.lock) and then skip it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/train/config.h"

namespace msq::apps {

struct ProtocolOptions {
  train::TrainConfig base;                  // data, image size, epochs, ... and out; model/plane ignored
  std::vector<std::string> models;          // registered names
  std::vector<std::string> planes;          // axial, sagittal
  int64_t seeds = 3;                        // training seeds: base.seed, base.seed + 1, ...
  int64_t search_trials = 0;                // 0: no search, the base configuration
  std::string sampler = "tpe";
  std::string space_json;                   // the search space (JSON text)
  int64_t bootstrap = 2000;
};

// The study's grid: its 8 models and 2 planes.
std::vector<std::string> study_models();

// Runs (or continues) the grid and writes the report; returns 0, or 130 when interrupted.
int run_protocol(const ProtocolOptions& options);

}  // namespace msq::apps
