"""Calling a model and checking what it returns, the same way for every task kind."""

from __future__ import annotations

from typing import Callable

import torch

from genbench.errors import GenbenchError, InputError
from genbench.models.sources import ModelSource

# Values a few ULPs outside [0, 1] come from float arithmetic; anything further is a model bug.
RANGE_TOLERANCE = 1e-3


def call_model(source: ModelSource, method: str, call: Callable[[], object], during: str = "") -> object:
    """Run a model method; its own exceptions become an error that names the model (and ``during``)."""
    try:
        return call()
    except GenbenchError:
        raise
    except Exception as exc:
        when = f" ({during})" if during else ""
        raise InputError(f"Model {source.label!r} raised {type(exc).__name__} in {method}(){when}: {exc}") from exc


def check_images(images: object, expected: tuple[int, ...], who: str) -> torch.Tensor:
    """Refuse wrong types, shapes, NaN/inf and out-of-range values; return a CPU float tensor."""
    if not isinstance(images, torch.Tensor):
        raise InputError(f"{who} returned {type(images).__name__}, expected a torch.Tensor of shape {expected}.")
    if tuple(images.shape) != expected:
        raise InputError(f"{who} returned a tensor of shape {tuple(images.shape)}, expected {expected}.")
    images = images.detach().float().cpu()
    bad = ~torch.isfinite(images)
    if bad.any():
        raise InputError(f"{who} returned {int(bad.sum())} NaN or infinite value(s).")
    low, high = images.min().item(), images.max().item()
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise InputError(f"{who} returned values in [{low:.3g}, {high:.3g}], expected [0, 1].")
    return images


def check_texts(out: object, n: int, who: str) -> list[str]:
    """Refuse anything but a list of ``n`` strings."""
    if not isinstance(out, (list, tuple)) or len(out) != n:
        size = len(out) if isinstance(out, (list, tuple)) else type(out).__name__
        raise InputError(f"{who} returned {size} item(s), expected a list of {n} strings.")
    bad = [i for i, t in enumerate(out) if not isinstance(t, str)]
    if bad:
        raise InputError(f"{who} returned a {type(out[bad[0]]).__name__} at position {bad[0]}, expected strings.")
    return list(out)


def tile(items: torch.Tensor, n: int) -> torch.Tensor:
    """``items`` repeated along the batch up to exactly ``n`` (cost is timed at a fixed batch size)."""
    reps = -(-n // len(items))
    return items.repeat(reps, *([1] * (items.dim() - 1)))[:n]


def tile_texts(texts: list[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]
