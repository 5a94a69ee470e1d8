#!/usr/bin/env python3
"""PennyLane peers on PERFORMANCE.md's QML-8x4 workload, for the side-by-side with
bench/statevector_bench (qml_forward, qml_forward_vjp).

QML-8x4: 8 qubits, RX angle embedding of 8 inputs, 4 layers of (RZ RY RZ on every qubit, CNOT
ring), <Z_j> on all 8 qubits, batch 256. Reports microseconds per sample (median of
--repeats after a warm-up) for:
  - lightning.qubit: forward (parameter broadcasting over the batch), forward + VJP for the
    inputs and weights (adjoint method, device VJP), and the full adjoint Jacobian;
  - default.qubit (the study's simulator): forward (broadcast), forward + VJP by
    backpropagation (autograd).
Run single-threaded: OMP_NUM_THREADS=1 .venv-quantum/bin/python tools/quantum/bench_pennylane_qml.py
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import pennylane as qml  # noqa: E402
from pennylane import numpy as pnp  # noqa: E402

N, LAYERS = 8, 4


def circuit(x, w):
    qml.AngleEmbedding(x, wires=range(N), rotation="X")
    for l in range(LAYERS):
        for j in range(N):
            qml.RZ(w[l, j, 0], wires=j)
            qml.RY(w[l, j, 1], wires=j)
            qml.RZ(w[l, j, 2], wires=j)
        for j in range(N):
            qml.CNOT(wires=[j, (j + 1) % N])
    return [qml.expval(qml.PauliZ(j)) for j in range(N)]


def timed(fn, repeats):
    """Median CPU time of this process (the machine may be shared: wall time would count
    other programs' load; bench/statevector_bench's counters are CPU time too)."""
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    B = args.batch
    rng = pnp.random.default_rng(1)
    x = pnp.array(rng.uniform(0, pnp.pi, (B, N)), requires_grad=True)
    w = pnp.array(rng.uniform(0, 2 * pnp.pi, (LAYERS, N, 3)), requires_grad=True)
    g = pnp.array(rng.normal(size=(B, N)), requires_grad=False)
    results = {"batch": B, "pennylane": qml.__version__,
               "threads": os.environ.get("OMP_NUM_THREADS")}

    for dev_name, diff in (("lightning.qubit", "adjoint"), ("default.qubit", "backprop")):
        dev = qml.device(dev_name, wires=N)
        qnode = qml.QNode(circuit, dev, diff_method=diff, interface="autograd")

        x0, w0 = pnp.array(x, requires_grad=False), pnp.array(w, requires_grad=False)

        def forward():  # no gradient tracking: the plain forward pass
            return qml.math.stack(qnode(x0, w0))

        def forward_vjp():
            def loss(xx, ww):
                return pnp.sum(qml.math.stack(qnode(xx, ww)) * g.T)
            return qml.grad(loss, argnums=[0, 1])(x, w)

        r = {"forward_us_per_sample": timed(forward, args.repeats) / B * 1e6,
             "forward_vjp_us_per_sample": timed(forward_vjp, args.repeats) / B * 1e6}
        if dev_name == "lightning.qubit":
            xs = x[:16]

            def jac():
                f = lambda xx, ww: qml.math.stack(qnode(xx, ww))  # noqa: E731
                return qml.jacobian(f, argnums=[0, 1])(xs, w)
            r["full_jacobian_us_per_sample"] = timed(jac, 1) / len(xs) * 1e6
        results[dev_name] = r
        print(dev_name, json.dumps(r), flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
