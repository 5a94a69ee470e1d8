// Whole-network GPU throughput: training (batch 32, 3x224x224, 1000 classes, cross-entropy,
// Adam) and inference (batch 64, eval mode, no gradients) of ResNet50, DenseNet121 and
// EfficientNet-B3, training in fp32 (TF32 off), TF32 (convolutions) and bf16 (bf16 mode,
// engine/core/precision.h: convolutions and GEMM from bf16 operands, fp32 accumulation and
// master weights), inference in fp32 and bf16, as PERFORMANCE.md's GPU table.
// tools/bench/torch_gpu_models_bench.py measures PyTorch the same way:
//  - each step is bracketed by CUDA events on the default stream; warm-up steps first (they
//    also let cuDNN measure its algorithms); the median of --steps timed steps;
//  - the inputs are random (two batches drawn on the device, alternating), never zeros.
//
// With --unfused, one more training row per model: TF32 with the fused BN + activation and
// bias + activation kernels turned off (engine/nn/fusion.h), to measure what fusion gains.
// With --graph, one more: "train tf32 graph", the TF32 step captured once in a CUDA graph and
// replayed (train_graph_row below; --warmup must be at least 2 for timed replays only).
//
//   gpu_models_bench [--models resnet50,densenet121,efficientnet_b3] [--steps 10]
//                    [--warmup 3] [--unfused] [--graph] [--json out.json]
//
// Prints one line per workload and a table last; --json writes {"rows": [{"workload",
// "img_per_s", "ms"}]} for the PyTorch script's comparison. Exits 77 without a CUDA device.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/precision.h"
#include "engine/msq.h"
#include "device_timing.h"
#include "engine/nn/nn.h"
#include "engine/train/graph_step.h"
#include "kernels/backend.h"
#include "models/registry.h"

#ifdef MSQ_WITH_CUDA
#include <cuda_runtime.h>
#endif

using namespace msq;
using msq::bench::time_on_device;

namespace {

struct Options {
  std::vector<std::string> models = {"resnet50", "densenet121", "efficientnet_b3"};
  int steps = 10, warmup = 3;
  bool unfused = false;
  bool graph = false;
  int64_t train_batch = 32, infer_batch = 64, size = 224, classes = 1000;
  std::string json;
};

struct Row {
  std::string workload;
  double ms = 0, img_per_s = 0;
  std::string error;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::shared_ptr<models::Backbone> make_model(const std::string& name, const Options& o) {
  models::ModelConfig c;
  c.architecture = name;
  c.head = "torchvision";  // the backbone's own classifier, as torchvision's models
  c.num_classes = o.classes;
  c.input_height = c.input_width = o.size;
  c.freezing = "none";
  manual_seed(0);
  auto m = models::build_model(c);
  m->to(Device::cuda());
  return m;
}

// Runs `step` warm-up times, then times `steps` of it; batch images per step.
Row measure(const std::string& workload, int64_t batch, const Options& o,
            const std::function<void(int)>& step) {
  Row r;
  r.workload = workload;
  try {
    for (int i = 0; i < o.warmup; ++i) step(i);
    cuda_synchronize();
    std::vector<double> times;
    for (int i = 0; i < o.steps; ++i) times.push_back(time_on_device([&] { step(i); }));
    r.ms = median(times);
    r.img_per_s = r.ms > 0 ? double(batch) * 1000.0 / r.ms : 0;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  std::fprintf(stderr, "%-32s %s\n", workload.c_str(),
               r.error.empty() ? (std::to_string(r.ms) + " ms/step, " + std::to_string(r.img_per_s) + " img/s").c_str()
                               : ("FAILED: " + r.error).c_str());
  return r;
}

// Two fixed random training batches on the GPU (alternated, so no step reads a batch the
// previous one just wrote) and their labels. x: [train_batch, 3, size, size], y: [train_batch].
struct TrainBatches {
  Tensor x[2];
  Tensor y;
};

TrainBatches train_batches(const Options& o) {
  TensorOptions on_gpu = TensorOptions(DType::Float32).with_device(Device::cuda());
  manual_seed(1);
  TrainBatches b;
  for (Tensor& x : b.x) x = randn({o.train_batch, 3, o.size, o.size}, on_gpu);
  std::vector<int64_t> labels(size_t(o.train_batch));
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = int64_t(i * 37) % o.classes;
  b.y = from_vector(labels, {o.train_batch}).to(Device::cuda());
  return b;
}

// precision: "fp32" (TF32 off), "tf32" or "bf16" (TF32 on for anything bf16 leaves in fp32).
Row train_row(const std::string& name, const std::string& precision, const Options& o, bool fused) {
  set_cuda_conv_tf32(precision != "fp32");
  set_cuda_bf16(precision == "bf16");
  nn::set_fuse_activations(fused);
  auto m = make_model(name, o);
  m->train();
  Adam opt(m->trainable_parameters(), AdamOptions{1e-4});
  const TrainBatches batches = train_batches(o);
  const Tensor* x = batches.x;
  const Tensor& y = batches.y;
  const std::string label = name + " train " + precision + (fused ? "" : " unfused");
  return measure(label, o.train_batch, o, [&](int i) {
    opt.zero_grad();
    Tensor loss = cross_entropy(m->forward(x[i % 2]), y);
    loss.backward();
    opt.step();
  });
}

// TF32 training with the whole step captured in a CUDA graph, as msq-train --cuda-graph runs
// it (engine/train/graph_step.h): one eager warm-up step, the capture and its replay at the
// second call, replays from then on; each step copies its batch into the graph's fixed input
// buffers and stages Adam's learning rate and bias corrections (the staged optimiser form)
// and the dropout offset on the device first, so the row times a correct training step. A
// failed capture fails the row.
Row train_graph_row(const std::string& name, const Options& o) {
  set_cuda_conv_tf32(true);
  set_cuda_bf16(false);
  auto m = make_model(name, o);
  m->train();
  Adam opt(m->trainable_parameters(), AdamOptions{1e-4});
  const TrainBatches batches = train_batches(o);
  const Tensor* x = batches.x;
  const Tensor& y = batches.y;
  auto step = [&](const Tensor& input, const Tensor& labels) {
    opt.zero_grad();
    Tensor loss = cross_entropy(m->forward(input), labels);
    loss.backward();
    opt.step();
    return train::StepOutputs{loss.detach(), Tensor()};
  };
  std::unique_ptr<StepGraph> graph = backend(Device::cuda()).new_step_graph();
  if (!graph) fail("gpu_models_bench", "the CUDA backend gave no step graph");
  train::GraphStep graph_step(step, opt, std::move(graph));
  return measure(name + " train tf32 graph", o.train_batch, o, [&](int i) {
    graph_step.run(x[i % 2], y);
    if (!graph_step.graphs_on()) fail("gpu_models_bench", graph_step.plan().failure());
  });
}

Row inference_row(const std::string& name, const std::string& precision, const Options& o) {
  set_cuda_conv_tf32(false);
  set_cuda_bf16(precision == "bf16");
  auto m = make_model(name, o);
  m->eval();
  NoGradGuard no_grad;
  TensorOptions on_gpu = TensorOptions(DType::Float32).with_device(Device::cuda());
  manual_seed(2);
  Tensor x[2] = {randn({o.infer_batch, 3, o.size, o.size}, on_gpu),
                 randn({o.infer_batch, 3, o.size, o.size}, on_gpu)};
  return measure(name + " inference " + precision, o.infer_batch, o,
                 [&](int i) { Tensor logits = m->forward(x[i % 2]); });
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "gpu_models_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--models") o.models = split_commas(value());
    else if (a == "--steps") o.steps = std::max(1, std::atoi(value().c_str()));
    else if (a == "--warmup") o.warmup = std::max(0, std::atoi(value().c_str()));
    else if (a == "--json") o.json = value();
    else if (a == "--unfused") o.unfused = true;
    else if (a == "--graph") o.graph = true;
    else {
      std::fprintf(stderr, "usage: gpu_models_bench [--models a,b] [--steps N] [--warmup N] [--unfused] [--graph] [--json FILE]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  if (!cuda_available()) {
    std::printf("SKIPPED: no CUDA device (%s)\n", cuda_unavailable_reason().c_str());
    return 77;
  }
  const bool tf32_before = cuda_conv_tf32(), bf16_before = cuda_bf16();
  const bool fuse_before = nn::fuse_activations();  // MSQ_FUSE_ACTIVATIONS=0 turns it off
  std::vector<Row> rows;
  for (const std::string& name : o.models) {
    for (const char* precision : {"fp32", "tf32", "bf16"}) {
      rows.push_back(train_row(name, precision, o, fuse_before));
    }
    if (o.unfused) rows.push_back(train_row(name, "tf32", o, /*fused=*/false));
    nn::set_fuse_activations(fuse_before);
    if (o.graph) rows.push_back(train_graph_row(name, o));
    rows.push_back(inference_row(name, "fp32", o));
    rows.push_back(inference_row(name, "bf16", o));
    backend(Device::cuda()).allocator().empty_cache();  // the next model starts clean
  }
  set_cuda_conv_tf32(tf32_before);
  set_cuda_bf16(bf16_before);

  std::printf("\n%-32s %10s %10s\n", "workload", "ms/step", "img/s");
  bool failed = false;
  for (const Row& r : rows) {
    if (!r.error.empty()) {
      std::printf("%-32s %10s %10s\n", r.workload.c_str(), "FAILED", "");
      failed = true;
    } else {
      std::printf("%-32s %10.2f %10.1f\n", r.workload.c_str(), r.ms, r.img_per_s);
    }
  }
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    out << "{\"rows\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      out << (i ? ", " : "") << "{\"workload\": \"" << r.workload << "\", \"ms\": " << r.ms
          << ", \"img_per_s\": " << r.img_per_s << ", \"failed\": " << (r.error.empty() ? "false" : "true")
          << "}";
    }
    out << "]}\n";
  }
  return failed ? 1 : 0;
}
