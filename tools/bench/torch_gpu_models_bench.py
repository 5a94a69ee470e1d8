#!/usr/bin/env python3
"""PyTorch side of bench/gpu_models_bench.cpp: the same networks and steps, timed the same way.

    python3 tools/bench/torch_gpu_models_bench.py [--models resnet50,densenet121,efficientnet_b3]
        [--steps 10] [--warmup 3] [--msq-json msq_models.json] [--json out.json]

Training: batch 32, 3x224x224, 1000 classes (torchvision's models, random init), cross-entropy,
Adam (lr 1e-4), eager, channels-first, torch.backends.cudnn.benchmark = True; rows fp32 (TF32
off for convolutions and matmuls), tf32 (allow_tf32 on for both) and bf16 (autocast, fp32
master weights, TF32 on). Inference: batch 64, eval mode, no_grad, fp32 and bf16 (autocast).
Each step is
bracketed by CUDA events; warm-up steps first; the median of --steps. Needs torch 2.x with
torchvision on a CUDA machine.

With --msq-json (gpu_models_bench --json), the last thing printed is a table: workload,
msq img/s, torch img/s, msq / torch (> 1: msq faster).
"""
import argparse
import contextlib
import json
import statistics
import sys

import torch
import torch.nn.functional as F


def build(name):
    import torchvision.models as tvm
    return getattr(tvm, name)(weights=None, num_classes=1000).cuda()


def set_tf32(on):
    torch.backends.cudnn.allow_tf32 = on
    torch.backends.cuda.matmul.allow_tf32 = on


def time_steps(step, warmup, steps):
    for i in range(warmup):
        step(i)
    torch.cuda.synchronize()
    times = []
    for i in range(steps):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        step(i)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def train_row(name, precision, args):
    set_tf32(precision != "fp32")
    torch.manual_seed(0)
    model = build(name).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = [torch.randn(32, 3, 224, 224, device="cuda") for _ in range(2)]
    y = (torch.arange(32, device="cuda") * 37) % 1000
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if precision == "bf16" \
        else contextlib.nullcontext

    def step(i):
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = F.cross_entropy(model(x[i % 2]), y)
        loss.backward()
        opt.step()

    ms = time_steps(step, args.warmup, args.steps)
    return f"{name} train {precision}", ms, 32 * 1000.0 / ms


def inference_row(name, precision, args):
    set_tf32(False)
    torch.manual_seed(0)
    model = build(name).eval()
    x = [torch.randn(64, 3, 224, 224, device="cuda") for _ in range(2)]

    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if precision == "bf16" \
        else contextlib.nullcontext

    def step(i):
        with torch.no_grad(), autocast():
            model(x[i % 2])

    ms = time_steps(step, args.warmup, args.steps)
    return f"{name} inference {precision}", ms, 64 * 1000.0 / ms


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="resnet50,densenet121,efficientnet_b3")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--msq-json", help="gpu_models_bench --json output, for the comparison table")
    p.add_argument("--json", help="write the rows here")
    args = p.parse_args()
    if not torch.cuda.is_available():
        print("SKIPPED: torch sees no CUDA device")
        return 77
    try:
        import torchvision  # noqa: F401  (the reference models)
    except ImportError:
        print("SKIPPED: torchvision is not installed (pip install torchvision)")
        return 77
    torch.backends.cudnn.benchmark = True
    print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
          f"{torch.cuda.get_device_name()}")
    rows = []
    for name in [m for m in args.models.split(",") if m]:
        for precision in ("fp32", "tf32", "bf16"):
            rows.append(train_row(name, precision, args))
            print(f"{rows[-1][0]:<32} {rows[-1][1]:10.2f} ms/step {rows[-1][2]:10.1f} img/s", flush=True)
        for precision in ("fp32", "bf16"):
            rows.append(inference_row(name, precision, args))
            print(f"{rows[-1][0]:<32} {rows[-1][1]:10.2f} ms/step {rows[-1][2]:10.1f} img/s", flush=True)
        torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": [{"workload": w, "ms": ms, "img_per_s": ips} for w, ms, ips in rows]}, f)
    msq = {}
    if args.msq_json:
        try:
            with open(args.msq_json) as f:
                msq = {r["workload"]: r for r in json.load(f)["rows"] if not r.get("failed")}
        except (OSError, ValueError, KeyError) as e:
            print(f"cannot read {args.msq_json}: {e}", file=sys.stderr)
    # The comparison table last (after a blank line; gpu-check.sh copies it to its summary).
    print()
    print(f"{'workload':<32} {'msq img/s':>10} {'torch img/s':>12} {'msq/torch':>10}")
    for w, _, ips in rows:
        m = msq.get(w)
        if m:
            print(f"{w:<32} {m['img_per_s']:10.1f} {ips:12.1f} {m['img_per_s'] / ips:10.2f}")
        else:
            print(f"{w:<32} {'-':>10} {ips:12.1f} {'-':>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
