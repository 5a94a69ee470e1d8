"""Timing and the comparison table shared by the PyTorch GPU benchmarks
(torch_gpu_ops_bench.py, torch_statevector_bench.py): CUDA events around each run, fresh
inputs from `setup` before each, median of `runs` after one warm-up."""
import statistics

import torch


def time_runs(setup, work, runs):
    """Median milliseconds of work(*setup()) over `runs` runs, after one warm-up."""
    inputs = setup()
    work(*inputs)  # warm-up
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        inputs = setup()
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        work(*inputs)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def print_ms_table(torch_ms, msq_ms, name_width, digits):
    """The comparison table (workload, msq ms, torch ms, msq / torch) after a blank line;
    gpu-check.sh copies what follows the blank line into its summary."""
    w = digits + 6
    print()
    print(f"{'workload':{name_width}s} {'msq ms':>{w}s} {'torch ms':>{w}s} {'ratio':>7s}")
    for name, t in torch_ms.items():
        m = msq_ms.get(name)
        if m is None:
            print(f"{name:{name_width}s} {'-':>{w}s} {t:{w}.{digits}f} {'-':>7s}")
        else:
            print(f"{name:{name_width}s} {m:{w}.{digits}f} {t:{w}.{digits}f} {m / t:7.2f}")
