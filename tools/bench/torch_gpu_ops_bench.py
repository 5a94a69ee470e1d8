#!/usr/bin/env python3
"""PyTorch side of bench/gpu_ops_bench.cpp: the same workloads, timed the same way.

    python3 tools/bench/torch_gpu_ops_bench.py [--runs 15] [--msq-json msq.json] [--json out.json]

Each workload runs once to warm up, then `--runs` times; every run draws fresh random inputs
(untimed) and is bracketed by CUDA events on the current stream; the median is reported.
float32 matmuls use full FP32 (TF32 off, PyTorch's default for matmul), as cuBLAS in msq.

With --msq-json (Google Benchmark's JSON output of gpu_ops_bench, run with repetitions), the
last thing printed is a table: workload, msq ms, torch ms, msq / torch.
"""
import argparse
import json
import statistics
import sys

import torch
import torch.nn.functional as F

from cuda_timing import print_ms_table, time_runs


def workloads():
    dev = "cuda"

    def randn(*shape):
        return torch.randn(*shape, device=dev)

    def cross_entropy_setup():
        logits = randn(4096, 1000).requires_grad_()
        target = (torch.rand(4096, device=dev) * 1000).long()
        return logits, target

    def cross_entropy_work(logits, target):
        F.cross_entropy(logits, target).backward()

    act = (16, 256, 56, 56)
    return [
        ("matmul_4096", lambda: (randn(4096, 4096), randn(4096, 4096)), lambda a, b: torch.matmul(a, b)),
        ("add_16x256x56x56", lambda: (randn(*act), randn(*act)), lambda a, b: a + b),
        ("add_bias_16x256x56x56", lambda: (randn(*act), randn(1, 256, 1, 1)), lambda a, b: a + b),
        ("relu_16x256x56x56", lambda: (randn(*act),), lambda a: torch.relu(a)),
        ("softmax_4096x1000", lambda: (randn(4096, 1000),), lambda a: torch.softmax(a, -1)),
        ("cross_entropy_fwd_bwd_4096x1000", cross_entropy_setup, cross_entropy_work),
        ("sum_16M", lambda: (randn(16 << 20),), lambda a: a.sum()),
    ]


def msq_medians(path):
    """workload -> median ms from Google Benchmark JSON (aggregate 'median', or the mean of
    plain runs when it was run without repetitions)."""
    with open(path) as f:
        data = json.load(f)
    medians, plain = {}, {}
    for b in data.get("benchmarks", []):
        key = b.get("run_name", b["name"]).split("/")[0]
        if b.get("error_occurred"):
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        ms = b["real_time"] * scale
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[key] = ms
        else:
            plain.setdefault(key, []).append(ms)
    for key, values in plain.items():
        medians.setdefault(key, statistics.median(values))
    return medians


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--msq-json", help="gpu_ops_bench --benchmark_out JSON, for the comparison table")
    ap.add_argument("--json", help="write torch medians (ms) here")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("torch: CUDA is not available; nothing to compare", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(1)
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name()}")
    results = {}
    for name, setup, work in workloads():
        results[name] = time_runs(setup, work, args.runs)
        print(f"  torch {name:34s} {results[name]:9.3f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.msq_json:
        msq = msq_medians(args.msq_json)
        print_ms_table(results, msq, 34, 3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
