#!/usr/bin/env python3
"""PyTorch side of bench/ops_bench.cpp: the same workloads, same shapes, same threads.

    /usr/bin/python3 tools/bench/torch_ops_bench.py [--threads 2]

Prints one line per workload: name, median time in microseconds (median of 3 runs of a
timed loop, after a warm-up).
"""
import argparse
import statistics
import time

import torch


def timeit(fn, min_time=0.3):
    fn()  # warm-up
    runs = []
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed > min_time:
                break
        runs.append(elapsed / n * 1e6)
    return statistics.median(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    rows = []
    for n in (64, 256, 1024):
        a, b = torch.randn(n, n), torch.randn(n, n)
        rows.append((f"matmul/{n}", timeit(lambda: torch.matmul(a, b))))
    x = torch.randn(256, 1024)
    w = (torch.randn(128, 1024) * 0.03).requires_grad_()
    bias = torch.zeros(128, requires_grad=True)

    def linear_train():
        y = torch.nn.functional.linear(x, w, bias)
        y.sum().backward()
        w.grad = None
        bias.grad = None

    rows.append(("linear_train", timeit(linear_train)))
    a, b = torch.randn(8, 64, 56, 56), torch.randn(8, 64, 56, 56)
    rows.append(("add", timeit(lambda: a + b)))
    c = torch.randn(1, 64, 1, 1)
    rows.append(("add_broadcast", timeit(lambda: a + c)))
    rows.append(("relu", timeit(lambda: torch.relu(a))))
    for batch, classes in ((32, 2), (256, 1000)):
        logits = torch.randn(batch, classes, requires_grad=True)
        target = (torch.rand(batch) * classes).long()

        def ce():
            loss = torch.nn.functional.cross_entropy(logits, target)
            loss.backward()
            logits.grad = None

        rows.append((f"cross_entropy/{batch}/{classes}", timeit(ce)))
    print(f"torch {torch.__version__}, {args.threads} threads")
    for name, us in rows:
        print(f"{name:28s} {us:12.1f} us")


if __name__ == "__main__":
    main()
