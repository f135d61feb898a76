"""Tasks a team declares once, on its own images, in ``genbench.toml`` or ``pyproject.toml``::

    [tool.genbench.tasks.product-shots]        # genbench.toml: [tasks.product-shots]
    reference = "data/real"                    # folder, zip or manifest; relative to this file
    features = "mobilenet-v2"                  # default
    resize = "clean"                           # or "torch-fidelity"
    image_size = 64                            # what `run` asks a model for
    samples = 1000                             # N a model is asked for (default: one per reference image)
    paired = false                             # true: outputs answer the reference of the same name
    suite = "team"                             # the suite `run --suite team` runs (default "local")

Each becomes a named task (``product-shots``) that ``run --suite``, ``eval --task``,
``leaderboard`` and ``compare`` use like a shipped one; its signatures carry the reference's
content hash, so a changed folder never compares as the same data.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from genbench.config import settings_tables
from genbench.errors import InputError
from genbench.features.resize import POLICIES
from genbench.tasks.folder import FolderTask
from genbench.tasks.spec import SUITE_BASELINES, SUITES, TASKS

DEFAULT_SUITE = "local"
_KEYS = {"reference": str, "paired": bool, "features": str, "resize": str, "image_size": int, "samples": int,
         "skip_bad": bool, "batch_size": int, "version": int, "description": str, "suite": str}
_LIMITS = {"image_size": (8, 4096), "samples": (2, 10_000_000), "batch_size": (1, 65_536), "version": (1, 1_000_000)}
_registered: dict[str, FolderTask] = {}


def declared_tasks(cwd: Path = Path(".")) -> list[tuple[FolderTask, str, Path]]:
    """(task, suite, file) for every task the config files in ``cwd`` declare, checked."""
    found: dict[str, tuple[FolderTask, str, Path]] = {}
    for path, table in settings_tables(cwd):
        for name, raw in table.get("tasks", {}).items():
            if name not in found:  # genbench.toml comes first and wins
                found[name] = (*_task(path, name, raw), path)
    return list(found.values())


def register_declared(cwd: Path = Path(".")) -> None:
    """Make the declared tasks and their suites known to every command (idempotent)."""
    for task, suite, path in declared_tasks(cwd):
        if _registered.get(task.name) == task:
            continue
        if task.name in TASKS or task.name in _registered:
            raise InputError(f"{path}: task {task.name!r} is already a task of genbench; choose another name.")
        if suite in SUITES and not all(t in _registered for t in SUITES[suite]):
            raise InputError(f"{path}: suite {suite!r} of task {task.name!r} is one of genbench's own suites; "
                             "choose another suite name.")
        TASKS.register(task.name, task)
        _registered[task.name] = task
        SUITES[suite] = (*SUITES.get(suite, ()), task.name)
        SUITE_BASELINES.setdefault(suite, ())  # a team's suite runs the --model models it is given


def _task(path: Path, name: str, raw: Any) -> tuple[FolderTask, str]:
    where = f"{path}: task {name!r}"
    if not name or not all(c.isalnum() or c in "-_./" for c in name) or name.startswith(("/", ".")):
        raise InputError(f"{where}: a task name takes letters, digits and - _ . / only.")
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a table, got {raw!r}.")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise InputError(f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"it takes {', '.join(_KEYS)}.")
    if "reference" not in raw:
        raise InputError(f"{where} needs a reference: a folder, zip file or manifest of real images.")
    for key, value in raw.items():
        kind = _KEYS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InputError(f"{where}: {key} must be {kind.__name__}, got {value!r}.")
        low, high = _LIMITS.get(key, (None, None))
        if low is not None and not low <= value <= high:
            raise InputError(f"{where}: {key} must be between {low} and {high}, got {value}.")
    if raw.get("resize", "clean") not in POLICIES:
        raise InputError(f"{where}: resize must be one of {', '.join(POLICIES)}, got {raw['resize']!r}.")
    settings = {k: v for k, v in raw.items() if k != "suite" and k in {f.name for f in fields(FolderTask)}}
    reference = Path(raw["reference"])
    settings["reference"] = reference if reference.is_absolute() else path.parent / reference
    settings.setdefault("description", f"Declared in {path.name}: generation{' pairs' if raw.get('paired') else ''} "
                                       f"against {raw['reference']}")
    return FolderTask(name, **settings), raw.get("suite", DEFAULT_SUITE)
