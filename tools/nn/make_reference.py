"""Writes PyTorch references for tests/nn/torch_reference_test.cpp.

usage: /usr/bin/python3 tools/nn/make_reference.py OUT_DIR
Writes OUT_DIR/nn_ops.ref (format: tools/nn/reference_io.py). Inputs are float32; the
references are computed in float64 from those same values and stored in float64.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_io  # noqa: E402

# (B, Cin, Cout, H, W, KH, KW, stride, padding, dilation, groups, bias); each case also
# stores its parameters as conv<i>/params, so the C++ test needs no copy of this list.
CONV_CASES = [
    (2, 3, 8, 9, 9, 3, 3, (1, 1), (1, 1), (1, 1), 1, True),
    (2, 8, 16, 10, 9, 3, 3, (2, 2), (1, 1), (1, 1), 1, False),
    (1, 4, 6, 11, 11, 3, 3, (1, 1), (2, 2), (2, 2), 2, True),
    (2, 8, 8, 9, 8, 3, 3, (1, 1), (1, 1), (1, 1), 8, True),
    (2, 8, 16, 10, 10, 5, 5, (2, 2), (2, 2), (1, 1), 8, False),
    (2, 16, 8, 6, 7, 1, 1, (1, 1), (0, 0), (1, 1), 1, True),
    (2, 16, 32, 8, 8, 1, 1, (2, 2), (0, 0), (1, 1), 1, False),
    (1, 3, 4, 12, 10, 7, 7, (2, 2), (3, 3), (1, 1), 1, False),
    (1, 6, 4, 7, 9, 3, 1, (2, 1), (1, 0), (1, 1), 2, True),
    (1, 64, 8, 64, 64, 3, 3, (1, 1), (1, 1), (1, 1), 1, True),  # several im2col tiles
]

# (kind, input shape, kernel, stride, padding, ceil_mode, count_include_pad or output size)
POOL_CASES = [
    ("max", (2, 3, 9, 9), 3, 2, 1, False, None),
    ("max", (2, 3, 9, 8), 2, 2, 0, True, None),
    ("max", (1, 2, 10, 7), 3, 2, 0, True, None),
    ("avg", (2, 3, 9, 9), 3, 2, 1, True, True),
    ("avg", (2, 3, 9, 9), 3, 2, 1, True, False),
    ("avg", (1, 2, 8, 8), 2, 2, 0, False, True),
    ("adaptive", (2, 3, 7, 7), None, None, None, None, (3, 3)),
    ("adaptive", (1, 2, 5, 7), None, None, None, None, (2, 3)),
    ("adaptive", (2, 4, 6, 6), None, None, None, None, (1, 1)),
]


def f64(t):
    return t.detach().double().requires_grad_(t.requires_grad)


def conv_refs(out):
    for i, (b, cin, cout, h, w, kh, kw, s, p, d, g, has_bias) in enumerate(CONV_CASES):
        x = torch.randn(b, cin, h, w)
        wt = torch.randn(cout, cin // g, kh, kw) / math.sqrt(cin // g * kh * kw)
        bias = torch.randn(cout) if has_bias else None
        xd, wd = x.double().requires_grad_(), wt.double().requires_grad_()
        bd = bias.double().requires_grad_() if has_bias else None
        y = F.conv2d(xd, wd, bd, s, p, d, g)
        gy = torch.randn(y.shape)
        y.backward(gy.double())
        k = f"conv{i}/"
        out[k + "params"] = torch.tensor([*s, *p, *d, g], dtype=torch.int64)
        out[k + "x"], out[k + "w"], out[k + "y"], out[k + "gy"] = x, wt, y.detach(), gy
        out[k + "gx"], out[k + "gw"] = xd.grad, wd.grad
        if has_bias:
            out[k + "b"], out[k + "gb"] = bias, bd.grad


def bn_refs(out):
    for i, (training, eps) in enumerate([(True, 1e-5), (False, 1e-5), (True, 1e-3)]):
        x = torch.randn(4, 3, 5, 6) * 2 + 1
        w, b = torch.randn(3), torch.randn(3)
        rm, rv = torch.randn(3), torch.rand(3) + 0.5
        xd, wd, bd = x.double().requires_grad_(), w.double().requires_grad_(), b.double().requires_grad_()
        rmd, rvd = rm.double(), rv.double()
        y = F.batch_norm(xd, rmd, rvd, wd, bd, training=training, momentum=0.1, eps=eps)
        gy = torch.randn(y.shape)
        y.backward(gy.double())
        k = f"bn{i}/"
        out.update({k + "x": x, k + "w": w, k + "b": b, k + "rm": rm, k + "rv": rv,
                    k + "y": y.detach(), k + "gy": gy, k + "gx": xd.grad, k + "gw": wd.grad,
                    k + "gb": bd.grad, k + "rm_after": rmd, k + "rv_after": rvd})


def pool_refs(out):
    for i, (kind, shape, k, s, p, ceil, extra) in enumerate(POOL_CASES):
        x = torch.randn(*shape)
        xd = x.double().requires_grad_()
        if kind == "max":
            y = F.max_pool2d(xd, k, s, p, ceil_mode=ceil)
        elif kind == "avg":
            y = F.avg_pool2d(xd, k, s, p, ceil_mode=ceil, count_include_pad=extra)
        else:
            y = F.adaptive_avg_pool2d(xd, extra)
        gy = torch.randn(y.shape)
        y.backward(gy.double())
        key = f"pool{i}/"
        code = {"max": 0, "avg": 1, "adaptive": 2}[kind]
        osz = extra if kind == "adaptive" else (0, 0)
        include = bool(extra) if kind == "avg" else True
        out[key + "params"] = torch.tensor([code, k or 0, s or 0, p or 0, int(bool(ceil)),
                                            int(include), *osz], dtype=torch.int64)
        out.update({key + "x": x, key + "y": y.detach(), key + "gy": gy, key + "gx": xd.grad})


def small_net():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2, groups=2, bias=False), nn.BatchNorm2d(16, eps=1e-3),
        nn.SiLU(), nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.Sigmoid(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5))


def module_refs(out):
    net = small_net()
    for name, t in net.state_dict().items():
        out["net/init/" + name] = t
    x = torch.randn(4, 3, 12, 12)
    net_d = small_net().double()
    net_d.load_state_dict(net.state_dict())
    net_d.train()
    y = net_d(x.double())
    gy = torch.randn(y.shape)
    y.backward(gy.double())
    out["net/x"], out["net/y_train"], out["net/gy"] = x, y.detach(), gy
    for name, p in net_d.named_parameters():
        out["net/grad/" + name] = p.grad
    for name, t in net_d.state_dict().items():
        out["net/after/" + name] = t
    net_d.eval()
    out["net/y_eval"] = net_d(x.double()).detach()


def schedule_refs(out):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(10):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    out["sched/step"] = torch.tensor(lrs, dtype=torch.float64)

    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    lrs = []
    for _ in range(10):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    out["sched/cosine"] = torch.tensor(lrs, dtype=torch.float64)

    metrics = [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91]
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    lrs = []
    for m in metrics:
        opt.step()
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    out["sched/plateau_metrics"] = torch.tensor(metrics, dtype=torch.float64)
    out["sched/plateau"] = torch.tensor(lrs, dtype=torch.float64)


def clip_refs(out):
    ps = [torch.randn(3, 4, dtype=torch.float64, requires_grad=True),
          torch.randn(5, dtype=torch.float64, requires_grad=True)]
    for q in ps:
        q.grad = torch.randn(q.shape, dtype=torch.float64)
    for i, q in enumerate(ps):
        out[f"clip/g{i}"] = q.grad.clone()
    norm = torch.nn.utils.clip_grad_norm_(ps, max_norm=1.5)
    out["clip/norm"] = torch.tensor([float(norm)], dtype=torch.float64)
    for i, q in enumerate(ps):
        out[f"clip/clipped{i}"] = q.grad.clone()


def main():
    torch.manual_seed(0)
    out = {}
    conv_refs(out)
    bn_refs(out)
    pool_refs(out)
    module_refs(out)
    schedule_refs(out)
    clip_refs(out)
    os.makedirs(sys.argv[1], exist_ok=True)
    reference_io.write(os.path.join(sys.argv[1], "nn_ops.ref"), out)


if __name__ == "__main__":
    main()
