"""Reference features (the real split through a feature network), computed once and cached on disk.

The cache key holds everything that decides the features: the data's content hash (for a user's
folder: every relative path and file hash), the network's name and weights sha256, the
preprocessing (grid or resize policy) and a version of what is stored. Entries are safetensors written atomically.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Callable, Iterable

from safetensors.torch import load_file, save_file

import torch

from genbench.atomic import write_atomically
from genbench.data.dataset import Dataset
from genbench.features.base import FeatureNetwork
from genbench.metrics.generation import FeatureSet

CACHE_ENV = "GENBENCH_CACHE"
Prepare = Callable[[Any], Iterable[torch.Tensor]]  # a dataset batch → network input tensors
log = logging.getLogger(__name__)


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "genbench" / "reference"


REFERENCE_BATCH = 256


# Bumped whenever what is cached for the same key changes meaning.
STATS_VERSION = 2


def reference_features(data: Dataset, net: FeatureNetwork, prepare: Prepare, preprocessing: str) -> FeatureSet:
    """Features of every item of ``data``; ``prepare`` turns a batch into network inputs exactly as
    the outputs scored against them are prepared, and ``preprocessing`` names that in the key."""
    identity = f"v{STATS_VERSION}|{data.content_hash}|{net.name}|{net.sha256}|{preprocessing}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:32]
    path = cache_dir() / f"{key}.safetensors"
    if path.is_file():
        try:
            return FeatureSet.from_tensors(load_file(str(path)))
        except Exception:  # a damaged cache entry is recomputed, never trusted
            path.unlink(missing_ok=True)
    parts = [net(images) for batch in data.batches(REFERENCE_BATCH) for images in prepare(batch)]
    out = {name: torch.cat([p[name] for p in parts]) for name in parts[0]}
    try:
        write_atomically(path, lambda tmp: save_file({k: v.contiguous() for k, v in out.items()}, tmp))
    except OSError as exc:  # a read-only or full cache only costs time, never the run
        log.warning("cannot cache reference features in %s: %s", path.parent, exc)
    return FeatureSet.from_tensors(out)
