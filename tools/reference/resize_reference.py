#!/usr/bin/env python3
"""Reference outputs for msq::data::resize_bilinear (tests/data/resize_test.cpp).

Builds the same synthetic float images as the test (value ((7x + 13y + 5c) mod 17) / 16 at
channel c, row y, column x), resizes them with torch.nn.functional.interpolate(
mode="bilinear", align_corners=False, antialias=True) and, for one channel, with PIL's
Image.resize(BILINEAR) in mode "F", and writes each result as raw little-endian float32
(C x H x W) to OUT_DIR/<library>_<case>.f32. A library that is missing is skipped.

usage: resize_reference.py OUT_DIR
"""
import os
import sys

import numpy as np

# (name, channels, in_h, in_w, out_h, out_w): the test has the same list.
CASES = [
    ("up", 3, 37, 53, 224, 224),
    ("down", 3, 300, 250, 224, 224),
    ("mixed", 1, 301, 97, 40, 200),
    ("big_shrink", 1, 900, 700, 224, 224),
]


def synthetic(c, h, w):
    ch, y, x = np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    return (((7 * x + 13 * y + 5 * ch) % 17) / 16.0).astype(np.float32)


def main():
    out_dir = sys.argv[1]
    try:
        import torch
        import torch.nn.functional as F
        for name, c, ih, iw, oh, ow in CASES:
            x = torch.from_numpy(synthetic(c, ih, iw))[None]
            y = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False, antialias=True)
            y[0].numpy().astype("<f4").tofile(os.path.join(out_dir, f"torch_{name}.f32"))
    except ImportError:
        print("torch is not available", file=sys.stderr)
    try:
        from PIL import Image
        for name, c, ih, iw, oh, ow in CASES:
            planes = []
            for k in range(c):
                img = Image.fromarray(synthetic(c, ih, iw)[k], mode="F")
                planes.append(np.asarray(img.resize((ow, oh), Image.BILINEAR), dtype=np.float32))
            np.stack(planes).astype("<f4").tofile(os.path.join(out_dir, f"pil_{name}.f32"))
    except ImportError:
        print("PIL is not available", file=sys.stderr)


if __name__ == "__main__":
    main()
