#!/usr/bin/env python3
"""Reader and writer of `.msqw` weights files (weights/FORMAT.md), with numpy arrays.

    import msqw
    msqw.save("w.msqw", {"fc.weight": np.zeros((2, 3), np.float32)}, {"producer": "me"})
    tensors, metadata = msqw.load("w.msqw")

As a program: `python3 tools/msqw.py FILE` lists the tensors of a file.
"""
import json
import os
import struct
import sys
import zlib

import numpy as np

MAGIC = b"\x89MSQW\r\n\x1a"
VERSION = 1
ALIGN = 64
DTYPES = [np.float32, np.float64, np.int64, np.uint8, np.bool_]


def _code(dtype):
    for i, t in enumerate(DTYPES):
        if np.dtype(dtype) == np.dtype(t):
            return i
    raise ValueError(f"msqw: unsupported dtype {dtype} (float32, float64, int64, uint8, bool)")


def serialize(tensors, metadata=None):
    """tensors: dict or list of (name, array); metadata: a JSON-able dict."""
    items = list(tensors.items()) if isinstance(tensors, dict) else list(tensors)
    arrays = [(name, np.ascontiguousarray(np.asarray(a))) for name, a in items]
    names = [n for n, _ in arrays]
    if len(set(names)) != len(names):
        raise ValueError("msqw: repeated tensor name")
    meta = json.dumps(metadata or {}).encode()
    header = bytearray(MAGIC + struct.pack("<IIQ", VERSION, 0, len(meta)) + meta)
    header += struct.pack("<Q", len(arrays))
    entries_size = sum(4 + len(n.encode()) + 4 + 8 * a.ndim + 20 for n, a in arrays)
    offset = (len(header) + entries_size + 4 + ALIGN - 1) // ALIGN * ALIGN
    blobs = []
    for name, a in arrays:
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        nb = name.encode()
        header += struct.pack("<I", len(nb)) + nb + struct.pack("<BBH", _code(a.dtype), a.ndim, 0)
        header += struct.pack(f"<{a.ndim}q", *a.shape)
        header += struct.pack("<QQI", offset, len(raw), zlib.crc32(raw))
        blobs.append((offset, raw))
        offset = (offset + len(raw) + ALIGN - 1) // ALIGN * ALIGN
    header += struct.pack("<I", zlib.crc32(bytes(header)))
    out = bytearray(header)
    for off, raw in blobs:
        out += b"\0" * (off - len(out))
        out += raw
    return bytes(out)


def save(path, tensors, metadata=None):
    """Writes atomically: a temporary file in the same folder, then a rename."""
    data = serialize(tensors, metadata)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse(data, origin="<bytes>"):
    def bad(msg):
        raise ValueError(f"msqw: '{origin}': {msg}")

    pos = 0

    def take(n, field):
        nonlocal pos
        if n > len(data) - pos:
            bad(f"truncated file: {field} needs {n} bytes at offset {pos}")
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    if take(8, "magic") != MAGIC:
        bad("not an .msqw file (wrong magic)")
    version, _flags, meta_size = struct.unpack("<IIQ", take(16, "version"))
    if version != VERSION:
        bad(f"unsupported version {version}")
    metadata = json.loads(take(meta_size, "metadata").decode() or "{}")
    (count,) = struct.unpack("<Q", take(8, "tensor count"))
    entries = []
    for _ in range(count):
        (length,) = struct.unpack("<I", take(4, "name length"))
        name = take(length, "name").decode()
        code, ndim, _ = struct.unpack("<BBH", take(4, "dtype"))
        if code >= len(DTYPES):
            bad(f"tensor '{name}': unknown dtype code {code}")
        shape = struct.unpack(f"<{ndim}q", take(8 * ndim, "sizes"))
        offset, nbytes, crc = struct.unpack("<QQI", take(20, "data"))
        entries.append((name, code, shape, offset, nbytes, crc))
    header_end = pos
    (header_crc,) = struct.unpack("<I", take(4, "header checksum"))
    if zlib.crc32(data[:header_end]) != header_crc:
        bad("header checksum mismatch")
    tensors = {}
    for name, code, shape, offset, nbytes, crc in entries:
        raw = data[offset:offset + nbytes]
        if len(raw) != nbytes:
            bad(f"tensor '{name}': data runs past the end of the file")
        if zlib.crc32(raw) != crc:
            bad(f"tensor '{name}': data checksum mismatch")
        tensors[name] = np.frombuffer(raw, dtype=np.dtype(DTYPES[code]).newbyteorder("<")).reshape(shape).copy()
    return tensors, metadata


def load(path):
    with open(path, "rb") as f:
        return parse(f.read(), path)


if __name__ == "__main__":
    tensors, metadata = load(sys.argv[1])
    print(json.dumps(metadata, indent=1))
    for name, a in tensors.items():
        print(f"{name:60s} {str(a.dtype):8s} {list(a.shape)}")
