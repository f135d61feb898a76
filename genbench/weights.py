"""Weights on disk: safetensors for what genbench ships, sha256 for everything it loads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from genbench.atomic import write_atomically
from genbench.errors import InputError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_module(module: torch.nn.Module, path: Path, metadata: dict[str, str] | None = None) -> str:
    """Write a module's state atomically as safetensors; returns the file's sha256."""
    state = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    write_atomically(path, lambda tmp: save_file(state, tmp, metadata=metadata))
    return sha256_file(path)


def load_module(module: torch.nn.Module, path: Path) -> torch.nn.Module:
    """Load safetensors weights into ``module``; a missing or mismatched file names itself."""
    if not path.is_file():
        raise InputError(f"Weights file {path} does not exist.")
    try:
        state = load_file(str(path))
        module.load_state_dict(state)
    except Exception as exc:  # safetensors and torch raise several types for a bad file
        raise InputError(f"Weights file {path} cannot be loaded into {type(module).__name__}: {exc}") from exc
    return module
