#!/usr/bin/env python3
"""PennyLane reference for msq's simulator.

Reads circuits in msq-circuit's JSON schema (tools/msq-circuit/README.md): one document, or
a JSON list of documents. For each, builds the same circuit in PennyLane and prints (as one
JSON document, or a list) the expectation values and the Jacobians with respect to the
inputs and the weights, in the layout msq-circuit prints:

    {"expval": [B][K], "jacobian": {"pennylane": {"inputs": [B][K][I], "weights": [B][K][W]}}}

Usage: pennylane_reference.py [--device default.qubit|lightning.qubit] FILE|-

The default device is default.qubit with backpropagation (the study's simulator);
lightning.qubit uses its adjoint method. Exits 3 with a message when PennyLane is absent.
"""
import argparse
import json
import sys

try:
    import pennylane as qml
    from pennylane import numpy as pnp
except ImportError as e:  # pragma: no cover
    print(f"pennylane_reference: PennyLane is not installed ({e})", file=sys.stderr)
    sys.exit(3)

GATES = {
    "Hadamard": qml.Hadamard, "H": qml.Hadamard, "PauliX": qml.PauliX, "X": qml.PauliX,
    "PauliY": qml.PauliY, "Y": qml.PauliY, "PauliZ": qml.PauliZ, "Z": qml.PauliZ,
    "S": qml.S, "T": qml.T, "SX": qml.SX, "RX": qml.RX, "RY": qml.RY, "RZ": qml.RZ,
    "PhaseShift": qml.PhaseShift, "Rot": qml.Rot, "CNOT": qml.CNOT, "CX": qml.CNOT,
    "CZ": qml.CZ, "SWAP": qml.SWAP, "CRX": qml.CRX, "CRY": qml.CRY, "CRZ": qml.CRZ,
    "ControlledPhaseShift": qml.ControlledPhaseShift, "CPhase": qml.ControlledPhaseShift,
    "Toffoli": qml.Toffoli, "CCNOT": qml.Toffoli,
}
PAULI = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}


def complex_entry(z):
    return complex(z[0], z[1]) if isinstance(z, list) else complex(z)


def matrix(rows):
    return pnp.array([[complex_entry(z) for z in row] for row in rows], requires_grad=False)


def param_value(p, x, w):
    if isinstance(p, (int, float)):
        return p
    scale = p.get("scale", 1.0)
    if "input" in p:
        return scale * x[p["input"]]
    return scale * w[p["weight"]]


def study_circuit(doc):
    """The study's circuits by name, spelled out as gates exactly as msq's templates.cpp."""
    n, layers, name = doc["qubits"], doc["layers"], doc["circuit"]
    gates, obs = [], []
    if name == "qdense":
        emb = {"offset": 0, "length": 2 ** n, "pad": 0.0, "normalize": True}
        for l in range(layers):
            for j in range(n):
                w = (l * n + j) * 3
                gates.append({"gate": "Rot", "wires": [j],
                              "params": [{"weight": w}, {"weight": w + 1}, {"weight": w + 2}]})
            gates += [{"gate": "CNOT", "wires": [j, j + 1]} for j in range(n - 1)]
        obs = [{"pauli": "X", "wires": [j]} for j in range(n)]
        obs += [{"pauli": "Z", "wires": [j]} for j in range(n)]
        return {"wires": n, "amplitude_embedding": emb, "gates": gates, "observables": obs,
                "n_inputs": 2 ** n, "n_weights": layers * n * 3}
    gates = [{"gate": "RX", "wires": [j], "params": [{"input": j}]} for j in range(n)]
    for l in range(layers):
        if name == "qcnn":
            gates += [{"gate": "CNOT", "wires": [j, j + 1]} for j in range(n - 1)]
            gates += [{"gate": "RZ", "wires": [j], "params": [{"weight": l * n + j}]}
                      for j in range(n)]
        else:
            kinds = ["RX", "RY", "RZ"] if name == "qefficient" else ["RZ", "RY", "RZ"]
            for j in range(n):
                for r in range(3):
                    gates.append({"gate": kinds[r], "wires": [j],
                                  "params": [{"weight": (l * n + j) * 3 + r}]})
            if n > 1:
                gates += [{"gate": "CNOT", "wires": [j, (j + 1) % n]} for j in range(n)]
    obs = [{"pauli": "Z", "wires": [j]} for j in range(n)]
    n_weights = layers * n * (1 if name == "qcnn" else 3)
    return {"wires": n, "gates": gates, "observables": obs, "n_inputs": n,
            "n_weights": n_weights}


def apply_gate(g, x, w):
    wires = g["wires"]
    if "template" in g:
        t = g["template"]
        if t == "AngleEmbedding":
            off, scale = g.get("input_offset", 0), g.get("scale", 1.0)
            feats = [scale * x[off + i] for i in range(len(wires))]
            qml.AngleEmbedding(qml.math.stack(feats), wires=wires, rotation=g.get("rotation", "X"))
        elif t == "BasicEntanglerLayers":
            L, off = g["layers"], g.get("weight_offset", 0)
            ws = qml.math.reshape(qml.math.stack([w[off + i] for i in range(L * len(wires))]),
                                  (L, len(wires)))
            rot = {"X": qml.RX, "Y": qml.RY, "Z": qml.RZ}[g.get("rotation", "X")]
            qml.BasicEntanglerLayers(ws, wires=wires, rotation=rot)
        elif t == "StronglyEntanglingLayers":
            L, off = g["layers"], g.get("weight_offset", 0)
            ws = qml.math.reshape(
                qml.math.stack([w[off + i] for i in range(L * len(wires) * 3)]),
                (L, len(wires), 3))
            qml.StronglyEntanglingLayers(ws, wires=wires, ranges=g.get("ranges"))
        else:
            raise ValueError(f"unknown template {t}")
        return
    name = g["gate"]
    if name in ("QubitUnitary", "U1", "U2"):
        qml.QubitUnitary(matrix(g["matrix"]), wires=wires)
        return
    params = [param_value(p, x, w) for p in g.get("params", [])]
    GATES[name](*params, wires=wires)


def observable(o):
    if "hermitian" in o:
        return qml.Hermitian(matrix(o["hermitian"]), wires=o["wires"])
    ops = [PAULI[p](wire) for p, wire in zip(o["pauli"], o["wires"])]
    if not ops:
        return qml.Identity(0)
    return ops[0] if len(ops) == 1 else qml.prod(*ops)


def count_params(doc):
    n_in, n_w = doc.get("n_inputs", 0), doc.get("n_weights", 0)
    emb = doc.get("amplitude_embedding")
    if emb:
        n_in = max(n_in, emb.get("offset", 0) + emb["length"])
    for g in doc.get("gates", []):
        for p in g.get("params", []):
            if isinstance(p, dict) and "input" in p:
                n_in = max(n_in, p["input"] + 1)
            if isinstance(p, dict) and "weight" in p:
                n_w = max(n_w, p["weight"] + 1)
    return n_in, n_w


def run(doc, device_name):
    circ = study_circuit(doc) if "circuit" in doc else doc
    n = circ["wires"]
    n_in, n_w = count_params(circ)
    dev = qml.device(device_name, wires=n)
    diff = "backprop" if device_name == "default.qubit" else "adjoint"

    @qml.qnode(dev, diff_method=diff, interface="autograd")
    def qnode(x, w):
        emb = circ.get("amplitude_embedding")
        if emb:
            off, length = emb.get("offset", 0), emb["length"]
            feats = qml.math.stack([x[off + i] for i in range(length)])
            qml.AmplitudeEmbedding(feats, wires=range(n), pad_with=emb.get("pad"),
                                   normalize=emb.get("normalize", True))
        for g in circ.get("gates", []):
            apply_gate(g, x, w)
        return [qml.expval(observable(o)) for o in circ["observables"]]

    def f(x, w):
        return qml.math.stack(qnode(x, w))

    inputs = doc.get("inputs", [])
    if inputs and not isinstance(inputs[0], list):
        inputs = [inputs]
    batch = doc.get("batch", len(inputs) if inputs else 1)
    if not inputs:
        inputs = [[] for _ in range(batch)]
    w = pnp.array(doc.get("weights", []) + [0.0] * 0, dtype=float, requires_grad=True)
    expvals, jin, jw = [], [], []
    for row in inputs:
        x = pnp.array(row, dtype=float, requires_grad=True)
        expvals.append([float(v) for v in f(x, w)])
        argnums = [i for i, size in ((0, n_in), (1, n_w)) if size > 0]
        jac = qml.jacobian(f, argnums=argnums)(x, w) if argnums else ()
        if len(argnums) == 1:
            jac = (jac,)
        parts = dict(zip(argnums, jac))
        K = len(circ["observables"])
        jin.append(pnp.asarray(parts[0]).tolist() if 0 in parts else [[] for _ in range(K)])
        jw.append(pnp.asarray(parts[1]).tolist() if 1 in parts else [[] for _ in range(K)])
    return {"expval": expvals, "device": device_name, "pennylane": qml.__version__,
            "jacobian": {"pennylane": {"inputs": jin, "weights": jw}}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--device", default="default.qubit")
    args = ap.parse_args()
    text = sys.stdin.read() if args.file == "-" else open(args.file).read()
    doc = json.loads(text)
    out = [run(d, args.device) for d in doc] if isinstance(doc, list) else run(doc, args.device)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
