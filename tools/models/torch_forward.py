#!/usr/bin/env python3
"""The PyTorch side of msq-forward: the same model (tools/models/reference_models.py, built
from the same ModelConfig), the same .msqw weights and input, eval mode; writes the logits
as .msqw and, given msq-forward's output, prints the largest relative difference.

usage: /usr/bin/python3 tools/models/torch_forward.py --config CONFIG.json \
           --weights W.msqw --input X.msqw --output TORCH_LOGITS.msqw [--compare MSQ.msqw]
CONFIG.json holds every ModelConfig key (msq-forward writes it into its output's metadata,
under "config"; that file may be given as --config too).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import msqw  # noqa: E402
import reference_models  # noqa: E402

DEFAULTS = {"num_classes": 2, "input_height": 224, "input_width": 224, "head": "dense",
            "n_dense": 1, "units": 128, "dropout": 0.5, "n_qubits": 4, "n_layers": 2,
            "stochastic_depth_prob": 0.2}


def load_config(path):
    if path.endswith(".msqw"):
        return msqw.load(path)[1]["config"]
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--input-name", default="x")
    ap.add_argument("--output", required=True)
    ap.add_argument("--compare")
    ap.add_argument("--double", action="store_true", help="compute in float64")
    args = ap.parse_args()
    cfg = dict(DEFAULTS, **load_config(args.config))
    model = reference_models.build(cfg)
    tensors, _ = msqw.load(args.weights)
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()})
    x = torch.from_numpy(np.array(msqw.load(args.input)[0][args.input_name])).float()
    if args.double:
        model, x = model.double(), x.double()
    model.eval()
    with torch.no_grad():
        y = model(x).numpy()
    msqw.save(args.output, [("logits", y)], {"producer": "tools/models/torch_forward.py", "config": cfg})
    print(f"torch_forward: {cfg['architecture']} {list(x.shape)} -> {list(y.shape)}, wrote {args.output}")
    if args.compare:
        other = np.array(msqw.load(args.compare)[0]["logits"], dtype=np.float64)
        err = np.abs(other - y).max() / max(np.abs(y).max(), 1e-12)
        print(f"max relative difference vs {args.compare}: {err:.3e}")


if __name__ == "__main__":
    main()
