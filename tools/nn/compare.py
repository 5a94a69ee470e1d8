"""msq against PyTorch on the CNN workloads, side by side on this machine, printed as a
markdown table of medians and ratios (msq / torch; below 1 means msq is faster).

usage: /usr/bin/python3 tools/nn/compare.py BUILD_DIR [--rounds N] [--conv] [--cnn]
The rounds alternate msq and PyTorch, and each side keeps its best median, so that load
from other processes on a shared machine hits both sides alike.
"""
import argparse
import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_torch  # noqa: E402
import torch  # noqa: E402


def run_msq(binary):
    out = subprocess.run([binary, "--benchmark_format=json"], check=True, capture_output=True,
                         text=True).stdout
    result = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        kind = b["name"].split("/")[0].replace("BM_", "")
        result[(kind, b["label"])] = b["real_time"]
    return result


def run_torch(conv, cnn, reps):
    buf = io.StringIO()
    with redirect_stdout(buf):
        if conv:
            bench_torch.bench_conv(reps)
        if cnn:
            bench_torch.bench_model("study_cnn", bench_torch.study_cnn(), reps)
            bench_torch.bench_model("resnet50_stack", bench_torch.resnet50_stack(), reps)
    result = {}
    for line in buf.getvalue().splitlines():
        kind, name, ms, _ = line.split()
        result[(kind, name)] = float(ms)
    return result


def keep_best(best, new):
    for k, v in new.items():
        best[k] = min(v, best.get(k, float("inf")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--conv", action="store_true")
    ap.add_argument("--cnn", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    conv, cnn = (a.conv or not a.cnn), (a.cnn or not a.conv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    ours, theirs = {}, {}
    for _ in range(a.rounds):
        if conv:
            keep_best(ours, run_msq(os.path.join(a.build, "bench", "conv_bench")))
        if cnn:
            keep_best(ours, run_msq(os.path.join(a.build, "bench", "cnn_bench")))
        keep_best(theirs, run_torch(conv, cnn, a.reps))
    print(f"torch {torch.__version__}, 2 threads, batch 8; best of {a.rounds} alternating rounds")
    print("| workload | shape | msq (ms) | PyTorch (ms) | msq / PyTorch |")
    print("|---|---|---|---|---|")
    for key in theirs:
        if key in ours:
            print(f"| {key[0]} | {key[1]} | {ours[key]:.1f} | {theirs[key]:.1f} | "
                  f"{ours[key] / theirs[key]:.2f} |")


if __name__ == "__main__":
    main()
