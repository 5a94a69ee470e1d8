#!/usr/bin/env python3
"""lightning.qubit on PERFORMANCE.md's large-state circuit, for the side-by-side with
bench/statevector_bench's large_state: layers of (RY on every qubit, CNOT ring j -> j+1 mod n),
complex64, one state; prints milliseconds per original gate (CPU time of this process, median
of --repeats after a warm-up).

Run single-threaded: OMP_NUM_THREADS=1 .venv-quantum/bin/python tools/quantum/bench_lightning_large.py 20 25
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pennylane as qml  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("qubits", type=int)
    ap.add_argument("layers", type=int)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rotation", choices=["RY", "RX"], default="RY",
                    help="the layer's rotation (statevector_bench's rx:1 rows use RX)")
    args = ap.parse_args()
    n, layers = args.qubits, args.layers
    rng = np.random.default_rng(5)
    angles = rng.uniform(0, 2 * np.pi, (layers, n))
    rotation = getattr(qml, args.rotation)
    dev = qml.device("lightning.qubit", wires=n, c_dtype=np.complex64)

    @qml.qnode(dev, diff_method=None)
    def circuit():
        for l in range(layers):
            for q in range(n):
                rotation(angles[l, q], wires=q)
            for q in range(n):
                qml.CNOT(wires=[q, (q + 1) % n])
        return qml.expval(qml.PauliZ(0))

    circuit()
    times = []
    for _ in range(args.repeats):
        t0 = time.process_time()
        circuit()
        times.append(time.process_time() - t0)
    gates = layers * 2 * n
    print(json.dumps({"device": "lightning.qubit", "qubits": n, "gates": gates,
                      "rotation": args.rotation,
                      "ms_per_gate": statistics.median(times) / gates * 1e3,
                      "threads": os.environ.get("OMP_NUM_THREADS")}))


if __name__ == "__main__":
    main()
