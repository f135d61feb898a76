"""What a run was: versions, code state, machine, configuration. Stored with every run."""

from __future__ import annotations

import hashlib
import json
import platform
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from genbench.metrics.catalog import library_version

PACKAGES = ("genbench", "torch", "torchvision", "torchmetrics", "torch-fidelity", "lpips", "prdc",
            "scikit-image", "scikit-learn", "scipy", "numpy")


def git_state(path: Path = Path(__file__).resolve().parent) -> dict[str, Any]:
    """Commit and dirty flag of the checkout genbench runs from, or nulls for an installed copy."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=path,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def collect(config: dict[str, Any], device: str) -> dict[str, Any]:
    return {
        "versions": {name: library_version(name) for name in PACKAGES},
        "python": sys.version.split()[0],
        "git": git_state(),
        "device": device,
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "config": config,
        "config_hash": config_hash(config),
        "argv": sys.argv,
    }


def resumption(device: str) -> dict[str, Any]:
    """When, where and how a run was resumed (its provenance keeps the first session's too)."""
    return {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "host": socket.gethostname(),
            "device": device, "argv": sys.argv, "git": git_state()}
