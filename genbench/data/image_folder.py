"""Read a folder of PNG files (a vendor's outputs) into a tensor, refusing anything malformed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from genbench.errors import InputError


def read_png(path: Path, shape: tuple[int, int, int]) -> torch.Tensor:
    """One image (C, H, W) in [0, 1]; the file must decode and match ``shape`` exactly."""
    from PIL import Image, UnidentifiedImageError

    channels, height, width = shape
    try:
        with Image.open(path) as img:
            # The header gives the size: refuse a wrong (or decompression-bomb) size before decoding.
            if img.size != (width, height):
                raise InputError(f"{path}: image is {img.size[0]}×{img.size[1]} pixels, expected {width}×{height}.")
            img.load()
            mode = img.mode
            array = np.asarray(img)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
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


def list_pngs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of samples.")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png")
    if not files:
        raise InputError(f"{folder}: the folder holds no .png files.")
    return files


def read_folder(folder: Path, shape: tuple[int, int, int]) -> tuple[list[str], torch.Tensor]:
    """All PNGs in ``folder`` in name order: their ids (file stems) and images (N, C, H, W)."""
    files = list_pngs(folder)
    return [p.stem for p in files], torch.stack([read_png(p, shape) for p in files])


def read_paired_folder(folder: Path, ids: tuple[str, ...], shape: tuple[int, int, int]) -> torch.Tensor:
    """Images named ``<id>.png`` for exactly the given ids, returned in the ids' order."""
    files = {p.stem: p for p in list_pngs(folder)}
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


def write_png(path: Path, image: torch.Tensor) -> None:
    """Write one (C, H, W) image in [0, 1] as an 8-bit PNG."""
    from PIL import Image

    array = (image.clamp(0, 1) * 255).round().to(torch.uint8)
    array = array[0].numpy() if array.shape[0] == 1 else array.permute(1, 2, 0).numpy()
    Image.fromarray(array).save(path)
