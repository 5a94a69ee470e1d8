"""The PyTorch side of bench/conv_bench.cpp and bench/cnn_bench.cpp: same shapes, same
batch (8), 2 threads, median of repetitions after a warm-up. Prints one line per workload
in milliseconds.

usage: /usr/bin/python3 tools/nn/bench_torch.py [--conv] [--cnn] [--reps N]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# name, cin, cout, hw, k, stride, pad, groups: the same list as kShapes in conv_bench.cpp.
CONV_SHAPES = [
    ("3x3_64_56", 64, 64, 56, 3, 1, 1, 1),
    ("1x1_256_64_56", 256, 64, 56, 1, 1, 0, 1),
    ("1x1_64_256_56", 64, 256, 56, 1, 1, 0, 1),
    ("dw3x3_144_56", 144, 144, 56, 3, 1, 1, 144),
    ("dw5x5_240_28_s2", 240, 240, 56, 5, 2, 2, 240),
    ("7x7s2_3_64_224", 3, 64, 224, 7, 2, 3, 1),
    ("3x3s2_128_56", 128, 128, 56, 3, 2, 1, 1),
    ("3x3_3_32_224", 3, 32, 224, 3, 1, 1, 1),
    ("3x3_32_64_112", 32, 64, 112, 3, 1, 1, 1),
    ("3x3_128_28", 128, 128, 28, 3, 1, 1, 1),
    ("3x3_256_14", 256, 256, 14, 3, 1, 1, 1),
    ("3x3_512_7", 512, 512, 7, 3, 1, 1, 1),
    ("3x3s2_256_28", 256, 256, 28, 3, 2, 1, 1),
    ("3x3s2_512_14", 512, 512, 14, 3, 2, 1, 1),
]


def median_ms(fn, reps, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench_conv(reps):
    for name, cin, cout, hw, k, s, p, g in CONV_SHAPES:
        x = torch.randn(8, cin, hw, hw, requires_grad=True)
        w = torch.randn(cout, cin // g, k, k, requires_grad=True)
        b = torch.randn(cout, requires_grad=True)
        with torch.no_grad():
            fwd = median_ms(lambda: F.conv2d(x, w, b, s, p, 1, g), reps)
        gy = torch.randn(F.conv2d(x, w, b, s, p, 1, g).shape)

        def backward():
            x.grad = w.grad = b.grad = None
            y = F.conv2d(x, w, b, s, p, 1, g)
            t0 = time.perf_counter()
            y.backward(gy)
            return (time.perf_counter() - t0) * 1e3

        for _ in range(2):
            backward()
        bwd = statistics.median(backward() for _ in range(reps))
        print(f"conv_forward  {name:18s} {fwd:9.2f} ms")
        print(f"conv_backward {name:18s} {bwd:9.2f} ms")


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride):
        super().__init__()
        cout = mid * 4
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


def resnet50_stack(classes=2):
    """ResNet50's layout (torchvision's Bottleneck v1.5) with a 2-class head."""
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for mid, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(blocks):
            layers.append(Bottleneck(cin, mid, stride if i == 0 else 1))
            cin = mid * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def study_cnn():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 56 * 56, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 2))


def bench_model(name, net, reps):
    x = torch.randn(8, 3, 224, 224)
    y = torch.randint(0, 2, (8,))
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)

    def train_step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    net.train()
    train = median_ms(train_step, reps)
    net.eval()
    with torch.no_grad():
        infer = median_ms(lambda: net(x), reps)
    print(f"train_step    {name:18s} {train:9.2f} ms")
    print(f"inference     {name:18s} {infer:9.2f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conv", action="store_true")
    ap.add_argument("--cnn", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, batch 8")
    if a.conv or not a.cnn:
        bench_conv(a.reps)
    if a.cnn or not a.conv:
        bench_model("study_cnn", study_cnn(), a.reps)
        bench_model("resnet50_stack", resnet50_stack(), a.reps)


if __name__ == "__main__":
    main()
