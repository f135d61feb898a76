"""Calling a model and checking what it returns, the same way for every task kind."""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

import torch

from genbench.errors import PASSED_ON, InputError, describe, message_of
from genbench.models.sources import ModelSource

# Values a few ULPs outside [0, 1] come from float arithmetic; anything further is a model bug.
RANGE_TOLERANCE = 1e-3
T = TypeVar("T")


def call_model(source: ModelSource, method: str, call: Callable[[], T], during: str = "") -> T:
    """Run a model method; whatever it raises (SystemExit and other BaseExceptions too, Ctrl-C
    apart) becomes an error that names the model, the method and ``during``."""
    try:
        return call()
    except PASSED_ON:
        raise
    except BaseException as exc:
        when = f" ({during})" if during else ""
        raise InputError(f"Model {source.label!r} raised {type(exc).__name__} in {method}(){when}: "
                         f"{message_of(exc) or '(no message)'}") from exc


def unreadable_as_error(check: Callable[..., T]) -> Callable[..., T]:
    """A check of a model's output that fails while reading it (an object whose attributes raise,
    a tensor whose storage cannot be copied) refuses the output instead of crashing."""
    @functools.wraps(check)
    def guarded(out: object, expected: object, who: str) -> T:
        try:
            return check(out, expected, who)
        except PASSED_ON:
            raise
        except BaseException as exc:
            raise InputError(f"{who} returned a {type(out).__name__} that cannot be read ({describe(exc)}).") from exc
    return guarded


def check_tensor(out: object, who: str, what: str = "a torch.Tensor") -> torch.Tensor:
    """A plain, strided tensor that holds values (not on the meta device) with a real dtype."""
    if not isinstance(out, torch.Tensor):
        raise InputError(f"{who} returned {type(out).__name__}, expected {what}.")
    if out.device.type == "meta":
        raise InputError(f"{who} returned a tensor on the meta device, which holds no values; expected {what}.")
    if out.layout != torch.strided:
        raise InputError(f"{who} returned a {out.layout} tensor, expected a dense one ({what}).")
    if out.dtype == torch.bool or out.is_complex() or out.is_quantized:
        raise InputError(f"{who} returned a tensor of dtype {out.dtype}, expected real numbers ({what}).")
    return out


@unreadable_as_error
def check_images(images: object, expected: tuple[int, ...], who: str) -> torch.Tensor:
    """Refuse wrong types, dtypes, shapes, NaN/inf and out-of-range values; return a CPU float tensor."""
    want = f"a floating-point torch.Tensor of shape {expected} in [0, 1]"
    images = check_tensor(images, who, want)
    if not images.is_floating_point():
        raise InputError(f"{who} returned a tensor of dtype {images.dtype}, expected {want} "
                         "(integer pixels are not read as 0–255: divide by 255).")
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


@unreadable_as_error
def check_texts(out: object, n: int, who: str) -> list[str]:
    """Refuse anything but a list (or tuple) of ``n`` strings of valid Unicode; return plain strs."""
    if not isinstance(out, (list, tuple)) or len(out) != n:
        size = len(out) if isinstance(out, (list, tuple)) else type(out).__name__
        raise InputError(f"{who} returned {size} item(s), expected a list of {n} strings.")
    bad = [i for i, t in enumerate(out) if not isinstance(t, str)]
    if bad:
        raise InputError(f"{who} returned a {type(out[bad[0]]).__name__} at position {bad[0]}, expected strings.")
    texts = [str.__str__(t) for t in out]  # a str subclass's own methods never reach the metrics
    broken = next((i for i, t in enumerate(texts) if not _is_unicode(t)), None)
    if broken is not None:
        raise InputError(f"{who} returned a string holding a lone surrogate (not valid Unicode) at position {broken}.")
    return texts


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def tile(items: torch.Tensor, n: int) -> torch.Tensor:
    """``items`` repeated along the batch up to exactly ``n`` (cost is timed at a fixed batch size)."""
    reps = -(-n // len(items))
    return items.repeat(reps, *([1] * (items.dim() - 1)))[:n]


def tile_texts(texts: list[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]
