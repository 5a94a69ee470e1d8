#!/usr/bin/env python3
"""Writes PyTorch references for tests/models/*_test.cpp, one case at a time.

usage: /usr/bin/python3 tools/models/make_model_reference.py CASE OUT_DIR
       /usr/bin/python3 tools/models/make_model_reference.py --list

Writes OUT_DIR/CASE.weights.msqw (the model's weights, in msq's names) and
OUT_DIR/CASE.ref.msqw: "x" (float32 input), "logits" (float64), and for training cases
"gy" (the loss is sum(logits * gy)), "grad/<parameter name>" (float64) and, for float64
references, "f32err/<name>": float32 PyTorch's own relative error on that tensor. Its metadata
holds "config" (the ModelConfig JSON of models/registry.h that builds the msq twin) and
"mode" ("eval" or "train").

Torchvision backbones get random-init weights with perturbed BatchNorm statistics and
affine parameters (so eval mode is not the identity), saved as a .pth state dict and
converted by tools/convert_torchvision.py, as real ImageNet weights would be. Hybrids and
the CNN (not torchvision models) are written directly with tools/msqw.py. References are
computed in float64 (float32 where a case says so) from the float32 weights and inputs.
"""
import copy
import json
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import convert_torchvision  # noqa: E402
import msqw  # noqa: E402
import reference_models  # noqa: E402


def config(arch, **kw):
    c = {"architecture": arch, "num_classes": 2, "input_height": 224, "input_width": 224,
         "head": "dense", "n_dense": 1, "units": 16, "dropout": 0.0, "n_qubits": 3,
         "n_layers": 2, "freezing": "none", "freeze_batchnorm_eval": True,
         "stochastic_depth_prob": 0.0}
    c.update(kw)
    return c


# name: (config, mode, batch, height, width[, reference dtype, float64 by default]). Small
# inputs keep CI fast; one case at 224.
CASES = {
    "resnet50_eval_224": (config("resnet50", head="torchvision"), "eval", 1, 224, 224),
    "resnet50_train": (config("resnet50", head="torchvision"), "train", 2, 64, 64),
    "resnet18_eval": (config("resnet18", head="torchvision"), "eval", 2, 64, 64),
    "densenet121_eval": (config("densenet121", head="torchvision"), "eval", 2, 64, 64),
    "densenet121_train": (config("densenet121", head="torchvision"), "train", 2, 64, 64),
    "efficientnet_b3_eval": (config("efficientnet_b3", head="torchvision", stochastic_depth_prob=0.2),
                             "eval", 2, 64, 64),
    # Depthwise convolutions are slow in float64 on torch's CPU: 48x48 inputs (the last
    # stages at 2x2: train-mode BatchNorm over 1x1 x batch 2 would pass no gradient).
    "efficientnet_b3_train": (config("efficientnet_b3", head="torchvision"), "train", 2, 48, 48),
    "efficientnet_b0_eval": (config("efficientnet_b0", head="torchvision"), "eval", 1, 32, 32),
    "efficientnet_b5_eval": (config("efficientnet_b5", head="torchvision"), "eval", 1, 32, 32),
    "efficientnet_v2_s_eval": (config("efficientnet_v2_s", head="torchvision"), "eval", 1, 32, 32),
    "cnn_train": (config("cnn", n_dense=2, input_height=32, input_width=24), "train", 2, 32, 24),
    "cnn_eval": (config("cnn", n_dense=1, dropout=0.5, input_height=32, input_width=32), "eval", 2, 32, 32),
    "qcnn_train": (config("qcnn", n_dense=1, n_qubits=4, n_layers=2, input_height=32, input_width=32),
                   "train", 2, 32, 32),
    # The QCNN with a BatchNorm between projection and sigmoid (proj_norm, models/hybrid.h).
    "qcnn_bn_train": (config("qcnn", n_dense=1, n_qubits=4, n_layers=2, input_height=32, input_width=32,
                             proj_norm="batchnorm"), "train", 4, 32, 32),
    "qresnet50_train": (config("qresnet50", n_dense=1, n_qubits=3, n_layers=2), "train", 2, 64, 64),
    "qdensenet121_train": (config("qdensenet121", n_dense=1, n_qubits=3, n_layers=2), "train", 2, 64, 64),
    "qefficientnet_b3_train": (config("qefficientnet_b3", n_dense=1, n_qubits=4, n_layers=2),
                               "train", 2, 48, 48),
    "qresnet50_eval": (config("qresnet50", n_dense=2, dropout=0.3, n_qubits=4, n_layers=3), "eval", 2, 64, 64),
}


# Float32 runs (exact input + ulp-jittered inputs) that measure PyTorch's own float32 error.
F32_RUNS = 16


def perturb_batchnorm(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(1 + 0.2 * torch.randn(c, generator=gen))
                m.bias.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(7)


def no_randomness(model):
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
        if type(m).__name__ == "StochasticDepth":
            m.p = 0.0


def make(case, out_dir):
    cfg, mode, batch, h, w, *rest = CASES[case]
    dtype = rest[0] if rest else torch.float64
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    model = reference_models.build(cfg)
    perturb_batchnorm(model, gen)
    weights_path = os.path.join(out_dir, case + ".weights.msqw")
    arch = cfg["architecture"]
    if cfg["head"] == "torchvision" and not arch.startswith("q") and arch != "cnn":
        with tempfile.TemporaryDirectory() as tmp:
            pth = os.path.join(tmp, arch + ".pth")
            torch.save(model.state_dict(), pth)
            with open(os.devnull, "w") as devnull:
                stdout, sys.stdout = sys.stdout, devnull
                try:
                    convert_torchvision.main(["--model", arch, "--state-dict", pth, "--num-classes",
                                              str(cfg["num_classes"]), "--out", weights_path])
                finally:
                    sys.stdout = stdout
    else:
        msqw.save(weights_path, [(k, v.detach().numpy()) for k, v in model.state_dict().items()],
                  {"producer": "tools/models/make_model_reference.py", "architecture": arch})

    # The reference: the same float32 values, computed in float64.
    tensors, _ = msqw.load(weights_path)
    ref = model.to(dtype)  # reloaded from the file: what msq loads is what torch runs
    ref.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()})
    x = torch.rand(batch, 3, h, w, generator=gen)
    out = {"x": x.numpy()}
    if mode == "eval":
        ref.eval()
        with torch.no_grad():
            out["logits"] = ref(x.to(dtype)).double().numpy()
    else:
        ref.train()
        no_randomness(ref)
        logits = ref(x.to(dtype))
        gy = torch.randn(logits.shape, generator=gen)
        (logits * gy.to(dtype)).sum().backward()
        out["logits"] = logits.detach().double().numpy()
        out["gy"] = gy.numpy()
        for name, p in ref.named_parameters():
            out["grad/" + name] = p.grad.double().numpy()
        if dtype == torch.float64:
            # PyTorch's own float32 error against this reference, per tensor ("f32err/..."):
            # train-mode BatchNorm over few values is ill-conditioned, and a ReLU whose input
            # sits within rounding of zero flips its mask (one flip moves a deep gradient by
            # O(1/n)). Rounding is the noise here, so the error is the worst of several float32
            # runs: the exact input and inputs moved by about one ulp; the tests allow msq a
            # few times that spread.
            ref32 = copy.deepcopy(ref).float()

            def rel(a, b):
                return np.abs(a - b).max() / max(np.abs(b).max(), 1e-6)
            worst = {}
            for run in range(F32_RUNS):
                ref32.zero_grad()
                jitter = (torch.rand(x.shape, generator=gen) - 0.5) * 2.0**-22
                logits32 = ref32(x if run == 0 else x * (1 + jitter))
                (logits32 * gy).sum().backward()
                errs = {"logits": rel(logits32.detach().double().numpy(), out["logits"])}
                for name, p in ref32.named_parameters():
                    errs[name] = rel(p.grad.double().numpy(), out["grad/" + name])
                for k, e in errs.items():
                    worst[k] = max(worst.get(k, 0.0), e)
            for k, e in worst.items():
                out["f32err/" + k] = np.array([e])
    meta = {"config": cfg, "mode": mode, "producer": "tools/models/make_model_reference.py",
            "torch": torch.__version__, "torchvision": torchvision.__version__}
    msqw.save(os.path.join(out_dir, case + ".ref.msqw"), list(out.items()), meta)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(CASES))
        return
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        raise SystemExit(__doc__ + "\ncases: " + ", ".join(CASES))
    torch.set_num_threads(2)
    os.makedirs(sys.argv[2], exist_ok=True)
    make(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
