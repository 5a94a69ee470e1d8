#include "apps/common/protocol.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "apps/common/data_setup.h"
#include "apps/common/protocol_report.h"
#include "apps/common/provenance.h"
#include "apps/common/search_run.h"
#include "apps/common/train_run.h"
#include "engine/io/atomic_file.h"
#include "engine/io/file_lock.h"
#include "engine/search/search_space.h"
#include "engine/train/interrupt.h"

namespace msq::apps {

using nlohmann::json;

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Sorts a run's scores by sample id, so that runs on one split line up.
SubsetScores sorted_by_id(const SubsetScores& s) {
  std::vector<size_t> order(s.ids.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s.ids[a] < s.ids[b]; });
  SubsetScores out;
  for (size_t i : order) {
    out.ids.push_back(s.ids[i]);
    out.labels.push_back(s.labels[i]);
    out.scores.push_back(s.scores[i]);
    out.predicted.push_back(s.predicted[i]);
  }
  return out;
}

// The split of a plane, made once and reused.
std::string plane_split(const ProtocolOptions& o, const std::string& plane, std::vector<data::SplitManifest>& manifests) {
  train::TrainConfig c = o.base;
  c.plane = plane;
  c.out = o.base.out + "/" + plane;
  c.resume = true;  // prepare_split reuses <out>/split.json when it exists
  c.split = exists(c.out + "/split.json") ? c.out + "/split.json" : o.base.split;
  std::filesystem::create_directories(c.out);
  manifests.push_back(prepare_split(c));
  return c.out + "/split.json";
}

}  // namespace

std::vector<std::string> study_models() {
  return {"cnn", "densenet121", "resnet50", "efficientnet_b3", "qcnn", "qdensenet121", "qresnet50", "qefficientnet_b3"};
}

int run_protocol(const ProtocolOptions& o) {
  check(!o.models.empty() && !o.planes.empty(), "protocol", "needs at least one model and one plane");
  check(o.seeds > 0, "protocol", "--seeds must be > 0, got ", o.seeds);
  check(o.planes.size() == 1 || o.base.split.empty(), "protocol", "--split names one plane's split; give one --planes");
  train::install_interrupt_handler();
  const std::string started = utc_now();
  std::filesystem::create_directories(o.base.out);
  search::SearchSpace space = search::SearchSpace::from_json(o.space_json, "search space");
  std::vector<data::SplitManifest> manifests;
  std::vector<ProtocolCell> cells;
  for (const std::string& plane : o.planes) {
    const std::string split = plane_split(o, plane, manifests);
    for (const std::string& model : o.models) {
      const std::string cell_dir = o.base.out + "/" + plane + "/" + model;
      train::TrainConfig chosen = o.base;
      chosen.model = model;
      chosen.plane = plane;
      chosen.split = split;
      chosen.resume = false;
      if (o.search_trials > 0) {
        SearchRequest r;
        r.base = chosen;
        r.base.out = cell_dir + "/search";
        r.space = space;
        r.trials = o.search_trials;
        r.sampler = o.sampler;
        r.dir = cell_dir + "/search";
        r.best_out = cell_dir + "/best-run";
        std::optional<train::TrainConfig> best = run_search(r);
        if (train::interrupt_requested()) return 130;
        check(best.has_value(), "protocol", model, " / ", plane, ": no search trial completed (see ", r.dir, "/trials.csv)");
        chosen = *best;
      }
      ProtocolCell cell;
      cell.model = model;
      cell.plane = plane;
      cell.config = json::parse(chosen.to_json());
      // Seed runs another process is training are deferred, then waited for.
      std::vector<train::TrainConfig> runs, deferred;
      for (int64_t k = 0; k < o.seeds; ++k) {
        train::TrainConfig c = chosen;
        c.seed = o.base.seed + static_cast<uint64_t>(k);
        c.out = cell_dir + "/seed-" + std::to_string(c.seed);
        runs.push_back(c);
      }
      for (int pass = 0; pass < 2; ++pass) {
        for (train::TrainConfig& c : pass == 0 ? runs : deferred) {
          std::filesystem::create_directories(cell_dir);
          FileLock claim(c.out + ".lock", /*wait=*/pass == 1);
          if (!claim.held()) {
            std::fprintf(stderr, "[protocol] %s / %s seed %llu: another process is training it\n", model.c_str(),
                         plane.c_str(), (unsigned long long)c.seed);
            deferred.push_back(c);
            continue;
          }
          if (exists(c.out + "/summary.json") && exists(c.out + "/test/scores.json")) {
            std::fprintf(stderr, "[protocol] %s / %s seed %llu: done, skipped\n", model.c_str(), plane.c_str(),
                         (unsigned long long)c.seed);
            continue;
          }
          c.resume = exists(c.out + "/last.msqw");
          std::fprintf(stderr, "[protocol] %s / %s seed %llu: %s\n", model.c_str(), plane.c_str(),
                       (unsigned long long)c.seed, c.resume ? "resuming" : "training");
          RunResult rr = train_and_evaluate(c);
          if (rr.status != 0) return rr.status;
        }
      }
      for (const train::TrainConfig& c : runs)
        cell.runs.push_back({c.seed, sorted_by_id(read_subset_scores(c.out + "/test/scores.json"))});
      cells.push_back(cell);
    }
  }
  ReportOptions ro;
  ro.bootstrap = o.bootstrap;
  ro.seed = o.base.seed;
  json seeds = json::array();
  for (int64_t k = 0; k < o.seeds; ++k) seeds.push_back(o.base.seed + static_cast<uint64_t>(k));
  ro.settings = {{"models", o.models}, {"planes", o.planes}, {"seeds", seeds},
                 {"search", o.search_trials > 0 ? std::to_string(o.search_trials) + " trials per model and plane (" +
                                                       o.sampler + " sampler, median pruner, validation loss)"
                                                 : std::string("none (the given configuration)")},
                 {"search_space", json::parse(space.to_json())},
                 {"data", o.base.data.empty() ? std::string("the embedded synthetic dataset") : o.base.data},
                 {"data_manifest_hash", data_manifest_hash(manifests)},
                 {"started_utc", started},
                 {"finished_utc", utc_now()}};
  write_protocol_report(o.base.out + "/report", cells, provenance(o.base.device), ro);
  std::printf("protocol report: %s/report/report.md\n", o.base.out.c_str());
  return 0;
}

}  // namespace msq::apps
