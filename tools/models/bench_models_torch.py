#!/usr/bin/env python3
"""The PyTorch side of bench/models_bench.cpp: the same four models (the study's dense head,
128 units, no freezing), batch 8, 3x224x224, 2 classes, Adam, 2 threads, median of
repetitions after a warm-up; then, given the msq benchmark's JSON, the ratios.

usage: /usr/bin/python3 tools/models/bench_models_torch.py [--reps 3] [--msq-json FILE]
       (FILE from ./build/bench/models_bench --benchmark_format=json > FILE)
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402

MODELS = ["cnn", "resnet50", "densenet121", "efficientnet_b3"]


def config(arch):
    return {"architecture": arch, "num_classes": 2, "input_height": 224, "input_width": 224,
            "head": "dense", "n_dense": 1, "units": 128, "dropout": 0.5, "n_qubits": 4,
            "n_layers": 2, "stochastic_depth_prob": 0.2}


def median_ms(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--msq-json")
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    x = torch.rand(8, 3, 224, 224)
    y = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])
    results = {}
    for name in args.models.split(","):
        net = reference_models.build(config(name))
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)
        net.train()

        def step():
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()

        train = median_ms(step, args.reps)
        net.eval()
        with torch.no_grad():
            infer = median_ms(lambda: net(x), args.reps)
        results[name] = (train, infer)
        print(f"torch {name:16s} train step {train:9.1f} ms   inference {infer:9.1f} ms", flush=True)
    if args.msq_json:
        with open(args.msq_json) as f:
            bench = json.load(f)["benchmarks"]
        msq = {}
        for b in bench:
            if b.get("aggregate_name") != "median":
                continue
            kind = "train" if "train_step" in b["name"] else "infer"
            msq[(b["label"], kind)] = b["real_time"]
        print("\n| model | msq train (ms) | torch train (ms) | ratio | msq inference (ms) | torch inference (ms) | ratio |")
        print("|---|---|---|---|---|---|---|")
        for name, (tt, ti) in results.items():
            mt, mi = msq.get((name, "train")), msq.get((name, "infer"))
            if mt is None or mi is None:
                continue
            print(f"| {name} | {mt:.0f} | {tt:.0f} | {mt / tt:.2f} | {mi:.0f} | {ti:.0f} | {mi / ti:.2f} |")


if __name__ == "__main__":
    main()
