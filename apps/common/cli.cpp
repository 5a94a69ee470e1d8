#include "apps/common/cli.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "engine/search/search_space.h"

namespace msq::apps {

void load_config_file_arg(int argc, char** argv, TrainCli& cli) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string file;
    if (a == "--config" && i + 1 < argc) file = argv[i + 1];
    else if (a.rfind("--config=", 0) == 0) file = a.substr(9);
    if (!file.empty()) {
      cli.config.update_from_json(read_file(file), file);
      cli.config_file = file;
    }
  }
}

void add_train_options(CLI::App& app, TrainCli& cli) {
  train::TrainConfig& c = cli.config;
  app.add_option("--config", cli.config_file, "JSON file of options (keys as in a checkpoint's config); other options override it");
  app.add_option("--model", c.model, "registered model: cnn resnet50 densenet121 efficientnet_b3 qcnn qresnet50 qdensenet121 qefficientnet_b3 (and family members)")->capture_default_str();
  app.add_option("--model-options", c.model_options, "JSON object for the model (dense stack, quantum, freezing, head)")->capture_default_str();
  app.add_option("--pretrained", c.pretrained, "backbone weights (.msqw, see weights/README.md); absent: random init");
  app.add_option("--data", c.data, "dataset root (Kaggle layout or ROOT/<class>/); absent: the embedded synthetic dataset");
  app.add_option("--plane", c.plane, "axial | sagittal")->capture_default_str();
  app.add_option("--split", c.split, "reuse this split manifest (split.json) instead of making one");
  app.add_flag("--subject-aware,!--no-subject-aware", c.subject_aware, "keep each subject on one side of the split");
  app.add_option("--image-size", c.image_size, "input side in pixels")->capture_default_str();
  app.add_flag("--imagenet-normalize", c.imagenet_normalize, "normalise with ImageNet mean/std");
  app.add_flag("--augment,!--no-augment", c.augment, "online augmentation of the training set")->capture_default_str();
  app.add_option("--offline-copies", c.offline_copies, "augmented copies per training image (the study's offline expansion)")->capture_default_str();
  app.add_flag("--skip-bad-images", c.skip_bad_images, "warn about and skip unreadable images instead of failing");
  app.add_option("--optimizer", c.optimizer, "adam | adamw | sgd")->capture_default_str();
  app.add_option("--lr", c.lr, "learning rate")->capture_default_str();
  app.add_option("--l2", c.l2, "lambda of the L2 term (lambda * sum of squared weights) added to the loss")->capture_default_str();
  app.add_option("--weight-decay", c.weight_decay, "the optimiser's weight decay")->capture_default_str();
  app.add_option("--batch-size", c.batch_size)->capture_default_str();
  app.add_option("--epochs", c.epochs)->capture_default_str();
  app.add_option("--patience", c.patience, "early stopping: epochs without a better validation loss")->capture_default_str();
  app.add_option("--min-delta", c.min_delta, "early stopping: the improvement that counts")->capture_default_str();
  app.add_option("--schedule", c.schedule, "none | step | cosine | plateau")->capture_default_str();
  app.add_option("--max-batches", c.max_batches, "cap on training batches per epoch (0 = all)")->capture_default_str();
  app.add_option("--device", c.device, "cpu | cuda | cuda:N")->capture_default_str();
  app.add_flag("--deterministic", c.deterministic, "CUDA: deterministic convolution algorithms only (bitwise-repeatable runs)");
  app.add_flag("--tf32,!--no-tf32", c.cuda_tf32, "CUDA: TF32 tensor cores for float32 convolutions (PyTorch's default)")->capture_default_str();
  app.add_option("--precision", c.precision, "fp32 | bf16 (CUDA: convolutions and matrix products in bf16 with fp32 accumulation; weights, optimiser and activations stay fp32)")->capture_default_str();
  app.add_flag("--cuda-graph", c.cuda_graph, "CUDA: capture each training step (forward, loss, backward, optimiser) once per batch shape into a CUDA graph and replay it; the partial last batch runs eagerly, a failed capture falls back to eager steps with the reason logged");
  app.add_option("--seed", c.seed)->capture_default_str();
  app.add_option("--threads", c.threads, "loader threads")->capture_default_str();
  app.add_option("--out", c.out, "output folder (checkpoints, logs, split, metrics)")->capture_default_str();
  app.add_flag("--resume", c.resume, "continue the run in --out from its last checkpoint");
  app.add_option("--n-dense", cli.n_dense, "hidden [Linear, ReLU, Dropout] groups of the head");
  app.add_option("--units", cli.units, "width of the head's hidden layers");
  app.add_option("--dropout", cli.dropout, "dropout of the head");
  app.add_option("--n-qubits", cli.n_qubits, "qubits of a hybrid's circuit");
  app.add_option("--n-layers", cli.n_layers, "variational layers of a hybrid's circuit");
  app.add_option("--freezing", cli.freezing, "none | study | backbone");
}

void add_search_options(CLI::App& app, TrainCli& cli) {
  app.add_option("--search", cli.search, "hyper-parameter search: N trials (TPE, median pruner); exports <out>/search/best-config.json")->capture_default_str();
  app.add_option("--search-space", cli.search_space_file, "JSON search space (see README: Search and protocol); default: the study's space");
  app.add_option("--sampler", cli.sampler, "tpe | random")->capture_default_str();
  app.add_flag("--protocol", cli.protocol, "the study's grid: every model x plane (with --search N each), K seeds, test split, report in <out>/report/");
  app.add_option("--seeds", cli.seeds, "protocol: training seeds per model and plane (--seed, --seed + 1, ...)")->capture_default_str();
  app.add_option("--models", cli.models, "protocol: comma-separated models (default: the study's 8)");
  app.add_option("--planes", cli.planes, "protocol: comma-separated planes (default: axial,sagittal)");
  app.add_option("--bootstrap", cli.bootstrap, "protocol: bootstrap replicates of the report's intervals")->capture_default_str();
}

std::string search_space_text(const TrainCli& cli) {
  return cli.search_space_file.empty() ? search::default_search_space_json() : read_file(cli.search_space_file);
}

void apply_model_shortcuts(TrainCli& cli) {
  nlohmann::json o = nlohmann::json::parse(cli.config.model_options.empty() ? "{}" : cli.config.model_options);
  if (cli.n_dense >= 0) o["n_dense"] = cli.n_dense;
  if (cli.units >= 0) o["units"] = cli.units;
  if (cli.dropout >= 0) o["dropout"] = cli.dropout;
  if (cli.n_qubits >= 0) o["n_qubits"] = cli.n_qubits;
  if (cli.n_layers >= 0) o["n_layers"] = cli.n_layers;
  if (!cli.freezing.empty()) o["freezing"] = cli.freezing;
  cli.config.model_options = o.dump();
}

}  // namespace msq::apps
