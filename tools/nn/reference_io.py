"""The msq reference-tensor file: named tensors from PyTorch for the C++ tests.

Layout (little-endian):
  magic   8 bytes  b"MSQREF\\0\\0"
  version uint32   1
  count   uint32   number of tensors
  then per tensor:
    name_len uint32, name (utf-8, name_len bytes)
    dtype    uint32  0 = float32, 1 = float64, 2 = int64
    ndim     uint32, dims int64[ndim]
    data     row-major, prod(dims) elements of the dtype
Read on the C++ side by tests/nn/reference_io.h.
"""
import struct

import torch

MAGIC = b"MSQREF\0\0"
VERSION = 1
_DTYPES = {torch.float32: 0, torch.float64: 1, torch.int64: 2}


def write(path, tensors):
    """tensors: dict name -> torch.Tensor (float32, float64 or int64)."""
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", VERSION, len(tensors)))
        for name, t in tensors.items():
            t = t.detach().contiguous().cpu()
            if t.dtype not in _DTYPES:
                raise ValueError(f"{name}: unsupported dtype {t.dtype}")
            raw = name.encode()
            f.write(struct.pack("<I", len(raw)))
            f.write(raw)
            f.write(struct.pack("<II", _DTYPES[t.dtype], t.dim()))
            f.write(struct.pack(f"<{t.dim()}q", *t.shape))
            f.write(t.numpy().tobytes())
