#!/usr/bin/env python3
"""Checks the plain-torch statevector of tools/models/reference_models.py against PennyLane,
once, for the study's three circuits (QCNN, QDense, QEfficient): expectation values and
their Jacobians with respect to the inputs and the weights, on random values.

usage: PYTHON_WITH_PENNYLANE tools/models/check_pennylane.py
(e.g. the tools/requirements-quantum.txt venv, made with --system-site-packages so that it
sees Debian's torch). Exits 3 when PennyLane is absent, 1 on a mismatch.
"""
import os
import sys

import numpy as np
import torch

try:
    import pennylane as qml
    from pennylane import numpy as pnp
except ImportError as e:
    print(f"check_pennylane: PennyLane is not installed ({e})", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models as rm  # noqa: E402


def pl_circuit(kind, n, layers):
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, interface="autograd")
    def circuit(x, w):
        if kind == "qdense":
            qml.AmplitudeEmbedding(x, wires=range(n), normalize=True)
            for l in range(layers):
                for j in range(n):
                    qml.Rot(w[l, j, 0], w[l, j, 1], w[l, j, 2], wires=j)
                for j in range(n - 1):
                    qml.CNOT(wires=[j, j + 1])
            return [qml.expval(qml.PauliX(j)) for j in range(n)] + [qml.expval(qml.PauliZ(j)) for j in range(n)]
        qml.AngleEmbedding(x, wires=range(n), rotation="X")
        for l in range(layers):
            if kind == "qcnn":
                for j in range(n - 1):
                    qml.CNOT(wires=[j, j + 1])
                for j in range(n):
                    qml.RZ(w[l, j], wires=j)
            else:
                for j in range(n):
                    qml.RX(w[l, j, 0], wires=j)
                    qml.RY(w[l, j, 1], wires=j)
                    qml.RZ(w[l, j, 2], wires=j)
                for j in range(n):
                    qml.CNOT(wires=[j, (j + 1) % n])
        return [qml.expval(qml.PauliZ(j)) for j in range(n)]

    return circuit


def main():
    rng = np.random.default_rng(7)
    worst = 0.0
    for kind, n, layers in [("qcnn", 4, 2), ("qdense", 3, 2), ("qefficient", 4, 3), ("qefficient", 2, 1)]:
        n_in = 2 ** n if kind == "qdense" else n
        x = rng.uniform(0.1, 1.0, n_in)
        w = rng.uniform(0, 2 * np.pi, (layers, n) if kind == "qcnn" else (layers, n, 3))
        circ = pl_circuit(kind, n, layers)
        f_pl = lambda xx, ww: pnp.stack(circ(xx, ww))  # noqa: E731
        y_pl = np.array(f_pl(pnp.array(x, requires_grad=True), pnp.array(w, requires_grad=True)))
        jx_pl, jw_pl = qml.jacobian(f_pl)(pnp.array(x, requires_grad=True), pnp.array(w, requires_grad=True))
        sim = rm.CIRCUITS[kind]
        f_t = lambda xx, ww: sim(xx[None], ww)[0]  # noqa: E731
        # via lists: a venv's numpy may not be the one Debian's torch was built with
        xt, wt = torch.tensor(x.tolist(), dtype=torch.float64), torch.tensor(w.tolist(), dtype=torch.float64)
        y_t = np.array(f_t(xt, wt).tolist())
        jx_t, jw_t = torch.autograd.functional.jacobian(f_t, (xt, wt))
        errs = [np.abs(y_t - y_pl).max(), np.abs(np.array(jx_t.tolist()) - np.array(jx_pl)).max(),
                np.abs(np.array(jw_t.tolist()) - np.array(jw_pl)).max()]
        worst = max(worst, *errs)
        print(f"{kind:10s} n={n} layers={layers}: |dy| {errs[0]:.1e}  |dJ_x| {errs[1]:.1e}  |dJ_w| {errs[2]:.1e}")
    print(f"worst absolute difference {worst:.1e}")
    sys.exit(0 if worst < 1e-10 else 1)


if __name__ == "__main__":
    main()
