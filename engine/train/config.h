// Everything that defines a training run. msq-train fills it from a JSON config file and
// then from its command-line options; it is written into every checkpoint.
#pragma once
#include <cstdint>
#include <string>

namespace msq::train {

struct TrainConfig {
  // model
  std::string model = "cnn";            // a registered model name (models/registry.h)
  std::string model_options = "{}";     // JSON object for the model (dense stack, qubits, ...)
  std::string pretrained;               // .msqw backbone weights ("" = random init)
  // data
  std::string data;                     // dataset root ("" = the embedded synthetic dataset)
  std::string plane = "axial";          // axial | sagittal (Kaggle layout)
  std::string split;                    // reuse a split manifest ("" = make one)
  bool subject_aware = false;
  int64_t image_size = 224;
  bool imagenet_normalize = false;
  bool augment = true;                  // online augmentation of the training set
  int64_t offline_copies = 0;           // the study's offline expansion
  bool skip_bad_images = false;         // warn and skip unreadable images instead of failing
  // optimisation
  std::string optimizer = "adam";       // adam | adamw | sgd
  double lr = 1e-3;
  double l2 = 0.0;                      // lambda of the study's L2 term added to the loss
  double weight_decay = 0.0;            // the optimiser's own decay (AdamW: decoupled)
  double momentum = 0.9;                // sgd only
  int64_t batch_size = 16;
  int64_t epochs = 30;
  int64_t patience = 5;                 // early stopping on validation loss
  double min_delta = 0.0;
  std::string schedule = "none";        // none | step | cosine | plateau
  int64_t max_batches = 0;              // cap on training batches per epoch (0 = all)
  // run
  std::string device = "cpu";
  bool deterministic = false;           // CUDA: deterministic convolution algorithms only
  bool cuda_tf32 = true;                // CUDA: TF32 tensor cores for float32 convolutions
  std::string precision = "fp32";       // fp32 | bf16 (CUDA: bf16 convolutions and GEMM with
                                        // fp32 accumulation and fp32 master weights)
  bool cuda_graph = false;              // CUDA: capture each training step of a static batch
                                        // shape into a CUDA graph and replay it
  uint64_t seed = 42;
  int threads = 2;                      // loader threads
  std::string out = "runs/default";
  bool resume = false;

  std::string to_json() const;
  // Sets every field present in the JSON object (unknown keys are an error naming them).
  void update_from_json(const std::string& json_text, const std::string& origin);
  // True when `name` is a field of the config (a key of to_json()).
  static bool is_field(const std::string& name);
  // Checks values; errors name the field and what was expected.
  void validate() const;
};

}  // namespace msq::train
