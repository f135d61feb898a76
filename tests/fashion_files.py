"""Tiny synthetic Fashion-MNIST files (IDX, gzip) for tests that must not need the real set."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

from genbench.data.fashion import FILES


def idx_bytes(array: np.ndarray) -> bytes:
    return b"\0\0\x08" + bytes([array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_tiny_set(folder: Path, n: int = 12, seed: int = 0) -> dict[str, str]:
    """Four gzip IDX files with ``n`` random 28×28 images per split; returns their content sha256s."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for split, (images_name, labels_name) in FILES.items():
        for name, array in ((images_name, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
                            (labels_name, (np.arange(n) % 10).astype(np.uint8))):
            data = idx_bytes(array)
            (folder / name).write_bytes(gzip.compress(data))
            hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes
