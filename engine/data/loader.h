// A multi-threaded batch loader with prefetch and an in-memory cache.
//
// Each item is decoded and resized once (load_resized) and kept in a cache (one channel
// when R = G = B, to save memory). An epoch visits size() = n * (1 + offline_copies) items
// in an order shuffled by std::mt19937_64(derive_seed(seed, {epoch})) (or in order when
// shuffle is off). Virtual item v is file v % n, copy v / n: copy 0 is the image itself,
// copy c >= 1 a fixed augmented version (offline expansion, the same in every epoch:
// draw_augment(augment_options, ..., seed ^ kOfflineSeedTag, c, v % n)). With `augment`,
// every item is further augmented per epoch with draw_augment(..., seed, epoch, v).
// ImageNet normalisation, when asked, comes last.
//
// Workers build whole batches, at most `prefetch` ahead of the consumer; batch b of an
// epoch depends only on (seed, epoch, b), so the batches are the same whatever the number
// of threads (threads = 0 builds them on the calling thread). A failure (an unreadable
// file) is rethrown by next().
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/data/augment.h"
#include "engine/data/dataset.h"

namespace msq::data {

inline constexpr uint64_t kOfflineSeedTag = 0x0ff11e5eed5ull;

struct LoaderItem {
  std::string path;  // the image file (ignored when `image` is given)
  int64_t label = 0;
  int64_t id = 0;    // reported back in Batch::indices (e.g. the dataset sample index)
  Tensor image;      // optional: an in-memory float [C, H, W] image in [0, 1] instead of the file
};

struct LoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;
  int threads = 2;
  int prefetch = 4;             // batches built ahead of the consumer (at least 1)
  bool cache = true;            // keep decoded, resized images in memory
  int64_t image_size = 224;
  bool antialias = true;
  bool imagenet_normalize = false;
  bool augment = false;         // online augmentation, new in every epoch
  AugmentOptions augment_options;
  int64_t offline_copies = 0;   // k augmented copies per image, fixed across epochs
  bool pin_memory = false;      // batch images in page-locked memory (for a GPU consumer)
};

struct Batch {
  Tensor images;                 // float32 [B, 3, image_size, image_size]
  Tensor labels;                 // int64 [B]
  std::vector<int64_t> indices;  // LoaderItem::id of each row
  std::vector<int64_t> copies;   // 0 = the image itself, c >= 1 = offline copy c
};

class BatchLoader {
 public:
  // Checks the options (errors name the field); nothing is loaded before the first epoch.
  BatchLoader(std::vector<LoaderItem> items, LoaderOptions options);
  // Stops and joins the workers.
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t size() const;         // items per epoch
  int64_t num_batches() const;  // batches per epoch
  const LoaderOptions& options() const;

  // Starts (or restarts) an epoch; stops the workers of the previous one.
  void start_epoch(int64_t epoch);
  // The next batch of the current epoch; false when the epoch is over.
  bool next(Batch& batch);

  // The cached, resized image of item i (float [C, S, S], C = 1 or 3), loading it if needed.
  Tensor cached_image(int64_t item);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The items of one subset of a dataset (ids = sample indices), in dataset order.
std::vector<LoaderItem> loader_items(const Dataset& dataset, Subset subset);

}  // namespace msq::data
