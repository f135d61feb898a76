"""Hostile inputs for tests and for ``benchmarks/hostile_corpus.py``: damaged PNGs, code-running
pickles, tampered stores. Each maker returns bytes or writes a file; none needs a network."""

from __future__ import annotations

import io
import pickle
import sqlite3
import struct
import zlib
from pathlib import Path
from typing import Callable

import numpy as np


def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit PNG of ``pixels`` (H, W) grey or (H, W, 3) RGB, as Pillow writes it."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk of an intact PNG."""
    found, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        found.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return found


def assemble(parts: list[tuple[bytes, bytes]], fix_crc: bool = True) -> bytes:
    """A PNG from (type, data) chunks, each with a correct CRC unless ``fix_crc`` is False."""
    out = bytearray(b"\x89PNG\r\n\x1a\n")
    for kind, body in parts:
        crc = zlib.crc32(kind + body) if fix_crc else zlib.crc32(kind + body) ^ 0xFFFFFFFF
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    return bytes(out)


def _replace(data: bytes, kind: bytes, body: bytes) -> bytes:
    return assemble([(k, body if k == kind else b) for k, b in chunks(data)])


def _idat_offset(data: bytes) -> int:
    return data.index(b"IDAT") + 4


def _raw_rows(data: bytes) -> bytes:
    return zlib.decompress(b"".join(b for k, b in chunks(data) if k == b"IDAT"))


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1:]


# name → damage(good PNG bytes) → damaged bytes; every one must be refused by name.
DAMAGED_PNGS: dict[str, Callable[[bytes], bytes]] = {
    "truncated-half": lambda d: d[:len(d) // 2],
    "truncated-in-idat": lambda d: d[:_idat_offset(d) + 3],
    "truncated-no-iend": lambda d: d[:-12],
    "truncated-last-byte": lambda d: d[:-1],
    "signature-only": lambda d: d[:8],
    "idat-byte-flipped": lambda d: _flip(d, _idat_offset(d) + 2),
    "idat-byte-flipped-crc-fixed": lambda d: _replace(d, b"IDAT", _flip(next(b for k, b in chunks(d) if k == b"IDAT"), 2)),
    "idat-last-byte-flipped-crc-fixed": lambda d: _replace(
        d, b"IDAT", _flip(next(b for k, b in chunks(d) if k == b"IDAT"), -1 % len(next(b for k, b in chunks(d) if k == b"IDAT")))),
    "iend-bad-crc": lambda d: d[:-4] + bytes(4),
    "ihdr-bad-crc": lambda d: _flip(d, 8 + 8 + 13 + 1),
    "idat-overlong-extra-rows": lambda d: _replace(d, b"IDAT", zlib.compress(_raw_rows(d) * 2)),
    "idat-overlong-trailing-bytes": lambda d: _replace(d, b"IDAT", next(b for k, b in chunks(d) if k == b"IDAT") + b"\0" * 16),
    "idat-short-rows": lambda d: _replace(d, b"IDAT", zlib.compress(_raw_rows(d)[:-3])),
    "idat-bad-filter-byte": lambda d: _replace(d, b"IDAT", zlib.compress(b"\x07" + _raw_rows(d)[1:])),
    "idat-length-claims-more": lambda d: d[:_idat_offset(d) - 8] + struct.pack(">I", 1 << 20) + d[_idat_offset(d) - 4:],
    "no-idat": lambda d: assemble([(k, b) for k, b in chunks(d) if k != b"IDAT"]),
    "idat-before-ihdr": lambda d: assemble(sorted(chunks(d), key=lambda c: c[0] != b"IDAT")),
    "garbage-after-iend": lambda d: d + b"trailing garbage",
    "second-png-after-iend": lambda d: d + d,
    "no-signature": lambda d: d[8:],
    "ihdr-zero-size": lambda d: _replace(d, b"IHDR", struct.pack(">II", 0, 0) + chunks(d)[0][1][8:]),
    "ihdr-bomb-size": lambda d: _replace(d, b"IHDR", struct.pack(">II", 60000, 60000) + chunks(d)[0][1][8:]),
    "ihdr-bad-depth": lambda d: _replace(d, b"IHDR", chunks(d)[0][1][:8] + bytes([3]) + chunks(d)[0][1][9:]),
    "empty-file": lambda d: b"",
    "zeros": lambda d: bytes(len(d)),
}


class RunsCode:
    """Unpickling this calls ``pathlib.Path.touch(marker)``: a marker file proves the code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def raw_pickle(marker: Path) -> bytes:
    return pickle.dumps({"weight": RunsCode(marker)})


def torch_pickle(marker: Path) -> bytes:
    """A ``torch.save`` zip whose data.pkl would run code under ``weights_only=False``."""
    import torch

    out = io.BytesIO()
    torch.save({"weight": torch.zeros(2), "payload": RunsCode(marker)}, out)
    return out.getvalue()


def set_schema_version(store: Path, value: object) -> None:
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    db.close()


def tamper(store: Path, sql: str) -> None:
    with sqlite3.connect(store) as db:
        db.execute(sql)
    db.close()
