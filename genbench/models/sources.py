"""Where outputs come from: a registered model, a ``module:attr`` model, or files made elsewhere."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from genbench.data.dataset import DataOptions
from genbench.errors import PASSED_ON, GenbenchError, describe
from genbench.models.protocol import capabilities
from genbench.registry import Registry, import_target
from genbench.validate import check_label

# name → "module:attr" of ``load(device) -> model``; baselines and users' packages register
# through the ``genbench.models`` entry-point group.
MODELS: Registry[Callable[..., Any]] = Registry("model", "genbench.models")
ENDPOINT_PREFIX = "endpoint:"  # --model endpoint:NAME


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
    ``module:attr`` spec, so that two models never share a row by accident. A user's model may
    not take a registered model's name as its label: its rows would shadow that model's on
    every board (the README says so).
    """
    if spec.startswith(ENDPOINT_PREFIX):  # a remote model declared in config (genbench.endpoints)
        from genbench.endpoints.loader import load_endpoint

        return ModelSource(spec, load_endpoint(spec[len(ENDPOINT_PREFIX):], spec), torch.device("cpu"))
    target = MODELS.get(spec) if spec in MODELS or ":" not in spec else import_target(spec)
    model = _call_loader(spec, target, device, data)
    offered = _capabilities(spec, model)
    if inspect.isclass(model) or not offered:
        raise GenbenchError(
            f"Model {spec!r} offers none of the capabilities in genbench.models.protocol "
            "(sample, sample_labels, reconstruct, stylize, log_prob, translate, sample_translations, text_log_prob).")
    return ModelSource(_label(spec, model), model, device)


def _call_loader(spec: str, target: Any, device: torch.device, data: DataOptions) -> Any:
    """``target(device)`` for a loader, ``target`` itself for a model object."""
    try:
        return call_loader(target, device, data) if callable(target) and not capabilities(target) else target
    except PASSED_ON:  # Ctrl-C still aborts
        raise
    # A user's loader failing is their input error, not our crash; sys.exit() inside it and other
    # BaseException subclasses too: they must not end the run as if it had succeeded, or as a traceback.
    except BaseException as exc:
        raise GenbenchError(f"Loading model {spec!r} failed: {describe(exc)}") from exc


def _capabilities(spec: str, model: Any) -> frozenset[str]:
    try:  # isinstance against a runtime protocol reads attributes, which a model may make raise
        return capabilities(model)
    except PASSED_ON:
        raise
    except BaseException as exc:
        raise GenbenchError(f"Model {spec!r}: reading its methods raised {describe(exc)}") from exc


def _label(spec: str, model: Any) -> str:
    """The registered name, else the model's ``name`` attribute as text, else ``spec``; checked."""
    if spec in MODELS:
        return spec
    try:
        name = getattr(model, "name", spec)
        label = name if isinstance(name, str) else str(name)
    except PASSED_ON:
        raise
    except BaseException as exc:  # a property or __str__ that raises
        raise GenbenchError(f"Model {spec!r}: its name attribute cannot be read as text "
                            f"({describe(exc)}); give it a plain string `name`.") from exc
    label = check_label(str.__str__(label), f"Model {spec!r}: its name")  # a plain str, not a subclass
    if label in MODELS:
        raise GenbenchError(f"Model {spec!r} is named {label!r}, the name of a registered model; its rows "
                            "would shadow that model's. Give it another `name` attribute.")
    return label
