"""Read a folder of PNG files (a vendor's outputs) into a tensor, refusing anything malformed."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import torch

from genbench.data.files import check_regular_file, read_regular_bytes
from genbench.data.png_check import PngError, PngSizeError, verify_png
from genbench.errors import InputError


# The largest PNG a task asks for is 64×64 RGB (12 KiB raw); no honest file comes near this.
MAX_PNG_BYTES = 8 << 20


def read_png(path: Path, shape: tuple[int, int, int]) -> torch.Tensor:
    """One image (C, H, W) in [0, 1]. Only a regular file is opened; its bytes must form an
    intact PNG (every CRC, the exact image data: genbench.data.png_check) that Pillow verifies
    and decodes in full, of exactly ``shape``."""
    channels, height, width = shape
    data = read_regular_bytes(path, MAX_PNG_BYTES)
    try:
        verify_png(data, size=(width, height))  # a wrong (or decompression-bomb) size before inflating
        mode, array = _decode(data)
    except PngSizeError as exc:
        raise InputError(f"{path}: {exc}.") from exc
    except PngError as exc:
        raise InputError(f"{path}: not a readable PNG image ({exc}).") from exc
    expected_mode = {1: "L", 3: "RGB"}[channels]
    if mode != expected_mode:
        found = {"L": 1, "RGB": 3, "RGBA": 4, "LA": 2}.get(mode, mode)
        raise InputError(f"{path}: image has {found} channel(s) (mode {mode}), expected {channels} "
                         f"(mode {expected_mode}, 8-bit).")
    if array.dtype != np.uint8:
        raise InputError(f"{path}: pixels are {array.dtype}, expected 8-bit.")
    tensor = torch.from_numpy(array.copy()).float() / 255
    return tensor.unsqueeze(0) if channels == 1 else tensor.permute(2, 0, 1)


def _decode(data: bytes) -> tuple[str, np.ndarray]:
    """Pillow's verify() on one opening, then a full decode on a fresh one (verify() spends the file)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
            img.verify()
        with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
            img.load()
            return img.mode, np.asarray(img)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError,
            struct.error, zlib.error) as exc:
        raise PngError(str(exc) or type(exc).__name__) from exc


def list_pngs(folder: Path) -> list[Path]:
    """The folder's ``*.png`` entries; any that is not a regular file (a FIFO, a folder, a link to
    either, a dangling link) is refused by name, without being opened."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of samples.")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png")
    if not files:
        raise InputError(f"{folder}: the folder holds no .png files.")
    for path in files:
        check_regular_file(path)
    return files


def read_folder(folder: Path, shape: tuple[int, int, int]) -> tuple[list[str], torch.Tensor]:
    """All PNGs in ``folder`` in name order: their ids (file stems) and images (N, C, H, W)."""
    files = list_pngs(folder)
    return [p.stem for p in files], torch.stack([read_png(p, shape) for p in files])


def read_paired_folder(folder: Path, ids: tuple[str, ...], shape: tuple[int, int, int]) -> torch.Tensor:
    """Images named ``<id>.png`` for exactly the given ids, returned in the ids' order."""
    paths = list_pngs(folder)
    _refuse_ambiguous_names(folder, paths)
    files = {p.stem: p for p in paths}
    missing = [i for i in ids if i not in files]
    extra = sorted(set(files) - set(ids))
    problems = []
    if missing:
        problems.append(f"{len(missing)} test item(s) have no file, e.g. {', '.join(m + '.png' for m in missing[:5])}")
    if extra:
        problems.append(f"{len(extra)} file(s) name no test item, e.g. {', '.join(e + '.png' for e in extra[:5])}")
    if problems:
        raise InputError(f"{folder}: " + "; ".join(problems) + ". Files must be named <item id>.png "
                         "(see `genbench list tasks` and the README).")
    return torch.stack([read_png(files[i], shape) for i in ids])


def _refuse_ambiguous_names(folder: Path, paths: list[Path]) -> None:
    """Two files whose names differ only in case (or in the case of .png) claim the same item on a
    case-insensitive file system, and which one is meant cannot be told: refuse them by name."""
    by_id: dict[str, list[str]] = {}
    for path in paths:
        by_id.setdefault(path.stem.casefold(), []).append(path.name)
    clashes = [names for names in by_id.values() if len(names) > 1]
    if clashes:
        shown = "; ".join(" and ".join(names) for names in clashes[:5])
        raise InputError(f"{folder}: file names that differ only in case are ambiguous: {shown}. "
                         "Keep one file per item, named exactly <item id>.png.")


def write_png(path: Path, image: torch.Tensor) -> None:
    """Write one (C, H, W) image in [0, 1] as an 8-bit PNG."""
    from PIL import Image

    array = (image.clamp(0, 1) * 255).round().to(torch.uint8)
    array = array[0].numpy() if array.shape[0] == 1 else array.permute(1, 2, 0).numpy()
    Image.fromarray(array).save(path)
