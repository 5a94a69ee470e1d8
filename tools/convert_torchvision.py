#!/usr/bin/env python3
"""Convert torchvision weights to msq's .msqw format (weights/FORMAT.md).

Sources (one of):
  --state-dict FILE.pth    a saved state dict (e.g. torchvision's resnet50-0676ba61.pth)
  --pretrained             torchvision's own pretrained weights (needs them in the torch
                           hub cache, ~/.cache/torch/hub/checkpoints; nothing is downloaded
                           unless --allow-download)
  --random-init            torchvision's random initialisation under --seed

    /usr/bin/python3 tools/convert_torchvision.py --model resnet50 \
        --state-dict resnet50-0676ba61.pth --out weights/resnet50.msqw

Key names are torchvision 0.14's state_dict keys, which msq's models use as they are.
DenseNet checkpoints from the original release use legacy names
('denselayer1.norm.1.weight'); they are renamed ('denselayer1.norm1.weight') as torchvision
itself does when loading them.
"""
import argparse
import os
import re
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msqw  # noqa: E402

DENSENET_LEGACY = re.compile(
    r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def rename_legacy_densenet(state):
    out = {}
    for key, value in state.items():
        m = DENSENET_LEGACY.match(key)
        out[m.group(1) + m.group(2) if m else key] = value
    return out


def build(name, num_classes=None):
    ctor = getattr(torchvision.models, name, None)
    if ctor is None:
        raise SystemExit(f"convert_torchvision: unknown torchvision model '{name}'")
    kwargs = {} if num_classes is None else {"num_classes": num_classes}
    return ctor(weights=None, **kwargs)


def to_numpy(t):
    t = t.detach().cpu()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t.contiguous().numpy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="torchvision model name, e.g. resnet50, densenet121, efficientnet_b3")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--state-dict", help="a .pth state dict")
    src.add_argument("--pretrained", action="store_true")
    src.add_argument("--random-init", action="store_true")
    ap.add_argument("--allow-download", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-classes", type=int, default=None)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    if args.state_dict:
        state = torch.load(args.state_dict, map_location="cpu")
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        source = os.path.basename(args.state_dict)
    elif args.pretrained:
        if not args.allow_download:
            os.environ.setdefault("TORCH_HOME", os.path.expanduser("~/.cache/torch"))
        weights = torchvision.models.get_model_weights(args.model).DEFAULT
        state = weights.get_state_dict(progress=False)
        source = str(weights)
    else:
        torch.manual_seed(args.seed)
        state = build(args.model, args.num_classes).state_dict()
        source = f"random init, torch.manual_seed({args.seed})"
    state = rename_legacy_densenet(state)

    # Check the names and shapes against the architecture before writing anything.
    reference = build(args.model, args.num_classes).state_dict()
    missing = sorted(set(reference) - set(state))
    unexpected = sorted(set(state) - set(reference))
    mismatched = [k for k in reference if k in state and tuple(reference[k].shape) != tuple(state[k].shape)]
    if missing or unexpected or mismatched:
        raise SystemExit(f"convert_torchvision: the weights do not match torchvision.models.{args.model}: "
                         f"missing {missing[:5]}, unexpected {unexpected[:5]}, shape mismatches {mismatched[:5]}")

    tensors = [(k, to_numpy(state[k])) for k in reference]  # torchvision's key order
    metadata = {"format": "msqw", "producer": "tools/convert_torchvision.py",
                "architecture": args.model, "source": source,
                "torch": torch.__version__, "torchvision": torchvision.__version__}
    msqw.save(args.out, tensors, metadata)
    n = sum(int(np.prod(a.shape)) for _, a in tensors)
    print(f"wrote {args.out}: {len(tensors)} tensors, {n} values, from {source}")


if __name__ == "__main__":
    main()
