"""Where outputs come from: a registered model, a ``module:attr`` model, or files made elsewhere."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from genbench.data.dataset import DataOptions
from genbench.errors import GenbenchError
from genbench.models.protocol import capabilities
from genbench.registry import Registry, import_target

# name → "module:attr" of ``load(device) -> model``; baselines and users' packages register
# through the ``genbench.models`` entry-point group.
MODELS: Registry[Callable[..., Any]] = Registry("model", "genbench.models")


@dataclass(frozen=True)
class ModelSource:
    label: str
    model: Any
    device: torch.device


@dataclass(frozen=True)
class FileSource:
    """Outputs made elsewhere: a folder of PNG files (image tasks) or a text file (text tasks)."""

    label: str
    path: Path


def call_loader(loader: Callable[..., Any], device: torch.device, data: DataOptions) -> Any:
    """Loaders take the device; a loader that reads the run's data (a corpus to fit on) declares a
    ``data`` parameter and gets the run's DataOptions (so --corpus-dir reaches it)."""
    try:
        takes_data = "data" in inspect.signature(loader).parameters
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        takes_data = False
    return loader(device, data=data) if takes_data else loader(device)


def load_model(spec: str, device: torch.device, data: DataOptions = DataOptions()) -> ModelSource:
    """Resolve a registered name or ``package.module:attr`` into a model on ``device``.

    The label is the registered name, else the model's own ``name`` attribute, else the full
    ``module:attr`` spec, so that two models never share a row by accident.
    """
    target = MODELS.get(spec) if spec in MODELS or ":" not in spec else import_target(spec)
    try:
        model = call_loader(target, device, data) if callable(target) and not capabilities(target) else target
    except GenbenchError:
        raise
    except Exception as exc:  # a user's loader failing is their input error, not our crash
        raise GenbenchError(f"Loading model {spec!r} failed: {type(exc).__name__}: {exc}") from exc
    label = spec if spec in MODELS else str(getattr(model, "name", spec))
    if inspect.isclass(model) or not capabilities(model):
        raise GenbenchError(
            f"Model {spec!r} offers none of the capabilities in genbench.models.protocol "
            "(sample, sample_labels, reconstruct, stylize, log_prob, translate, sample_translations, text_log_prob).")
    return ModelSource(label, model, device)
