"""PyTorch twins of msq's models (models/): the study's CNN, the dense head and the hybrid
heads, built the study's way on torchvision backbones, with parameter names equal to msq's.

The quantum layers are simulated in plain torch (a batched statevector, complex128, wire 0
the most significant bit as in PennyLane), so the reference needs only Debian's
python3-torch; tools/models/check_pennylane.py checks this simulator once against
PennyLane's TorchLayer where PennyLane is installed.
"""
import math

import torch
import torch.nn as nn
import torchvision


# ---- a small statevector simulator ---------------------------------------------------------
def _c(t):
    return t.to(torch.complex128)


def rx(t):
    c, s = _c(torch.cos(t / 2)), _c(torch.sin(t / 2))
    return torch.stack([torch.stack([c, -1j * s], -1), torch.stack([-1j * s, c], -1)], -2)


def ry(t):
    c, s = _c(torch.cos(t / 2)), _c(torch.sin(t / 2))
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def rz(t):
    e = torch.exp(-0.5j * _c(t))
    z = torch.zeros_like(e)
    return torch.stack([torch.stack([e, z], -1), torch.stack([z, e.conj()], -1)], -2)


def rot(phi, theta, omega):  # PennyLane's Rot = RZ(omega) RY(theta) RZ(phi)
    return rz(omega) @ ry(theta) @ rz(phi)


def apply_1q(state, u, wire):
    """state [B, 2, ..., 2]; u [2, 2] or [B, 2, 2]."""
    s = state.movedim(wire + 1, -1)
    shape = s.shape
    if u.dim() == 2:
        s = s @ u.transpose(0, 1)
    else:
        s = torch.bmm(s.reshape(shape[0], -1, 2), u.transpose(1, 2)).reshape(shape)
    return s.movedim(-1, wire + 1)


def apply_cnot(state, control, target):
    on = state.select(control + 1, 1)
    t = target + 1 if target < control else target  # the target's dim once control is gone
    flipped = on.flip(t)
    return torch.stack([state.select(control + 1, 0), flipped], control + 1)


def expval_z(state, wire):
    p = (state.abs() ** 2).movedim(wire + 1, 1).reshape(state.shape[0], 2, -1).sum(-1)
    return p[:, 0] - p[:, 1]


def expval_x(state, wire):
    s = state.movedim(wire + 1, 1).reshape(state.shape[0], 2, -1)
    return 2 * (s[:, 0].conj() * s[:, 1]).real.sum(-1)


def zero_state(batch, n):
    s = torch.zeros((batch,) + (2,) * n, dtype=torch.complex128)
    s.view(batch, -1)[:, 0] = 1
    return s


def qcnn_circuit(x, w):  # x [B, n], w [L, n]
    n = x.shape[1]
    s = zero_state(x.shape[0], n)
    for j in range(n):
        s = apply_1q(s, rx(x[:, j]), j)
    for layer in range(w.shape[0]):
        for j in range(n - 1):
            s = apply_cnot(s, j, j + 1)
        for j in range(n):
            s = apply_1q(s, rz(w[layer, j]), j)
    return torch.stack([expval_z(s, j) for j in range(n)], 1)


def qdense_circuit(x, w):  # x [B, 2^n], w [L, n, 3]
    n = w.shape[1]
    a = x / x.norm(dim=1, keepdim=True)
    s = _c(a).reshape((x.shape[0],) + (2,) * n)
    for layer in range(w.shape[0]):
        for j in range(n):
            s = apply_1q(s, rot(w[layer, j, 0], w[layer, j, 1], w[layer, j, 2]), j)
        for j in range(n - 1):
            s = apply_cnot(s, j, j + 1)
    return torch.stack([expval_x(s, j) for j in range(n)] + [expval_z(s, j) for j in range(n)], 1)


def qefficient_circuit(x, w):  # x [B, n], w [L, n, 3]
    n = x.shape[1]
    s = zero_state(x.shape[0], n)
    for j in range(n):
        s = apply_1q(s, rx(x[:, j]), j)
    for layer in range(w.shape[0]):
        for j in range(n):
            s = apply_1q(s, rx(w[layer, j, 0]), j)
            s = apply_1q(s, ry(w[layer, j, 1]), j)
            s = apply_1q(s, rz(w[layer, j, 2]), j)
        if n > 1:
            for j in range(n):
                s = apply_cnot(s, j, (j + 1) % n)
    return torch.stack([expval_z(s, j) for j in range(n)], 1)


CIRCUITS = {"qcnn": qcnn_circuit, "qdense": qdense_circuit, "qefficient": qefficient_circuit}


class QuantumLayer(nn.Module):
    """Parameter "weights" in PennyLane TorchLayer's shape, uniform in [0, 2 pi)."""

    def __init__(self, kind, n_qubits, n_layers):
        super().__init__()
        self.kind = kind
        shape = (n_layers, n_qubits) if kind == "qcnn" else (n_layers, n_qubits, 3)
        self.weights = nn.Parameter(torch.rand(shape) * 2 * math.pi)

    def forward(self, x):
        return CIRCUITS[self.kind](x.double(), self.weights.double()).to(x.dtype)


# ---- heads ---------------------------------------------------------------------------------
def dense_layers(width, n_dense, units, dropout):
    layers = []
    for i in range(n_dense):
        layers += [nn.Linear(width if i == 0 else units, units), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers), (units if n_dense > 0 else width)


def dense_head(width, n_dense, units, dropout, num_classes=2):
    seq, out = dense_layers(width, n_dense, units, dropout)
    seq.append(nn.Linear(out, num_classes))
    return seq


class HybridHead(nn.Module):
    def __init__(self, width, kind, n_dense, units, dropout, n_qubits, n_layers, num_classes=2,
                 proj_norm="none"):
        super().__init__()
        self.kind = kind
        self.pre = None
        if kind != "qcnn" and n_dense > 0:
            self.pre, width = dense_layers(width, n_dense, units, dropout)
        self.proj = nn.Linear(width, 2 ** n_qubits if kind == "qdense" else n_qubits)
        if proj_norm == "batchnorm":
            self.proj_norm = nn.BatchNorm1d(self.proj.out_features)
        self.quantum = QuantumLayer(kind, n_qubits, n_layers)
        measured = 2 * n_qubits if kind == "qdense" else n_qubits
        if kind == "qcnn":
            self.post = dense_head(measured, n_dense, units, dropout, num_classes)
        else:
            self.post = dense_head(measured, 1, units, dropout, num_classes)

    def forward(self, x):
        if self.pre is not None:
            x = self.pre(x)
        x = self.proj(x)
        if hasattr(self, "proj_norm"):
            x = self.proj_norm(x)
        x = torch.sigmoid(x)
        if self.kind == "qefficient":
            x = math.pi * x
        return self.post(self.quantum(x))


# ---- whole models --------------------------------------------------------------------------
class StudyCNN(nn.Module):
    def __init__(self, height, width, head):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.flat = 64 * (height // 4) * (width // 4)
        self.classifier = head(self.flat)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


HEAD_ATTR = {"resnet": "fc", "densenet": "classifier", "efficientnet": "classifier", "cnn": "classifier"}
FEATURES = {"resnet": lambda m: m.fc.in_features, "densenet": lambda m: m.classifier.in_features,
            "efficientnet": lambda m: m.classifier[1].in_features}


def family(backbone):
    for f in ("resnet", "densenet", "efficientnet", "cnn"):
        if backbone.startswith(f):
            return f
    raise ValueError(backbone)


def build(config):
    """The model that msq's build_model(config) builds (models/registry.h), in torch."""
    arch = config["architecture"]
    hybrid = arch.startswith("q")
    backbone = arch[1:] if hybrid else arch
    fam = family(backbone)
    n_dense, units, dropout = config["n_dense"], config["units"], config["dropout"]
    classes = config["num_classes"]
    if hybrid:
        kind = "qcnn" if fam == "cnn" else "qefficient" if fam == "efficientnet" else "qdense"
        head = lambda w: HybridHead(w, kind, n_dense, units, dropout, config["n_qubits"],  # noqa: E731
                                    config["n_layers"], classes, config.get("proj_norm", "none"))
    else:
        head = lambda w: dense_head(w, n_dense, units, dropout, classes)  # noqa: E731
    if fam == "cnn":
        return StudyCNN(config["input_height"], config["input_width"], head)
    kwargs = {}
    if fam == "efficientnet":
        kwargs["stochastic_depth_prob"] = config.get("stochastic_depth_prob", 0.2)
    if config["head"] == "torchvision" and not hybrid:
        kwargs["num_classes"] = classes
    model = getattr(torchvision.models, backbone)(weights=None, **kwargs)
    if config["head"] == "dense" or hybrid:
        setattr(model, HEAD_ATTR[fam], head(FEATURES[fam](model)))
    return model
