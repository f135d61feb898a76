"""The IDX format of (Fashion-)MNIST: a big-endian header, then unsigned bytes.

The header is two zero bytes, a type code (0x08: unsigned byte, the only type these datasets
use), the number of dimensions, and each dimension as a 32-bit big-endian integer. Files are
read whole (gzip-compressed or not); anything that does not match its header is refused by name.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from genbench.errors import InputError

UNSIGNED_BYTE = 0x08
MAX_DIMS = 4  # images are 3-D, labels 1-D


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """An IDX payload → uint8 array of the shape its header gives; ``name`` is for messages."""
    if len(data) < 4 or data[:2] != b"\0\0":
        raise InputError(f"{name} is not an IDX file: it does not start with the two zero bytes of the magic number.")
    dtype, ndim = data[2], data[3]
    if dtype != UNSIGNED_BYTE:
        raise InputError(f"{name}: IDX type code 0x{dtype:02x} is not 0x08 (unsigned byte).")
    if not 1 <= ndim <= MAX_DIMS:
        raise InputError(f"{name}: IDX header gives {ndim} dimensions; expected 1 to {MAX_DIMS}.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise InputError(f"{name}: IDX header is truncated ({len(data)} bytes, {header} needed).")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        raise InputError(f"{name}: IDX header gives shape {shape}, i.e. {expected:,} bytes, but the file holds "
                         f"{len(data):,}.")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def read_bytes(path: Path) -> bytes:
    """A file's content, decompressed when its name ends in ``.gz``; a damaged gzip names the file."""
    raw = Path(path).read_bytes()
    if not str(path).endswith(".gz"):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path} is not a valid gzip file: {exc}") from exc
