"""Regression tolerances: documented defaults, overridden by the file the user commits.

Looked up in ``genbench.toml`` (table ``[tolerance]``), else ``pyproject.toml`` (table
``[tool.genbench.tolerance]``), in the working directory, unless ``--config`` names a file::

    [tool.genbench.tolerance]
    fid = { relative = 0.05 }
    psnr = { absolute = 0.1 }
    throughput = { ignore = true }

A change counts as a regression only when it is worse than the tolerance, max(absolute,
relative × |base|), *and* statistically significant.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from genbench.data.files import check_regular_file
from genbench.errors import InputError
from genbench.metrics.catalog import CATALOG
from genbench.metrics.tolerance import FALLBACK, Tolerance


# Each metric's default is declared with the metric (genbench.metrics.catalog).
DEFAULT_TOLERANCES: dict[str, Tolerance] = {info.name: info.tolerance for info in CATALOG}
ALPHA = 0.05  # significance level of the regression gate


@dataclass(frozen=True)
class GateConfig:
    tolerances: dict[str, Tolerance]
    alpha: float = ALPHA
    source: str = "defaults"

    def tolerance(self, metric: str) -> Tolerance:
        return self.tolerances.get(metric, FALLBACK)


def load_config(explicit: Path | None = None, cwd: Path = Path(".")) -> GateConfig:
    if explicit is not None:
        if not Path(explicit).exists():
            raise InputError(f"Config file {explicit} does not exist.")
        check_regular_file(Path(explicit))  # a FIFO would block the read
        return _from_file(Path(explicit), explicit=True)
    for candidate in (cwd / "genbench.toml", cwd / "pyproject.toml"):
        if candidate.is_file():
            config = _from_file(candidate)
            if config.source != "defaults":
                return config
    return GateConfig(dict(DEFAULT_TOLERANCES))


SETTINGS = ("tolerance", "alpha", "tasks")  # tasks: genbench.tasks.config


def settings_tables(cwd: Path = Path(".")) -> list[tuple[Path, dict[str, Any]]]:
    """(file, its genbench settings) of the config files in ``cwd`` that have any, genbench.toml first."""
    found = []
    for candidate in (cwd / "genbench.toml", cwd / "pyproject.toml"):
        if candidate.is_file():
            check_regular_file(candidate)
            table = _settings_table(candidate, _parse(candidate), explicit=False)
            if table is not None:
                found.append((candidate, table))
    return found


def _parse(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:  # nesting beyond the parser
        raise InputError(f"{path}: not valid TOML ({exc}).") from exc


def _from_file(path: Path, explicit: bool = False) -> GateConfig:
    table = _settings_table(path, _parse(path), explicit)
    if table is None:
        return GateConfig(dict(DEFAULT_TOLERANCES))
    tolerances = dict(DEFAULT_TOLERANCES)
    for metric, raw in table.get("tolerance", {}).items():
        tolerances[metric] = _tolerance(path, metric, raw)
    alpha = table.get("alpha", ALPHA)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(f"{path}: alpha must be a number between 0 and 1, got {alpha!r}.")
    return GateConfig(tolerances, float(alpha), str(path))


def _settings_table(path: Path, data: dict[str, Any], explicit: bool) -> dict[str, Any] | None:
    """[tool.genbench] (pyproject.toml style), else the top level (genbench.toml style), checked.

    A file named with --config must hold one of them, and no key but tolerance, alpha and tasks: a typo
    (``tolerence``) would otherwise gate with the defaults while the user believes otherwise."""
    tool = data.get("tool")
    if isinstance(tool, dict) and "genbench" in tool:
        table, where = tool["genbench"], "[tool.genbench]"
    elif path.name == "genbench.toml" or (explicit and any(key in data for key in SETTINGS)):
        table, where = data, "the file"
    elif explicit:
        raise InputError(f"{path}: holds neither a [tool.genbench] table (pyproject.toml style) nor a top-level "
                         "[tolerance] table or alpha (genbench.toml style); nothing in it would be used.")
    else:
        return None
    if not isinstance(table, dict) or not all(isinstance(table.get(k, {}), dict) for k in ("tolerance", "tasks")):
        raise InputError(f"{path}: {where} and its tolerance and tasks entries must be tables.")
    unknown = sorted(set(table) - set(SETTINGS))
    if unknown:
        raise InputError(f"{path}: {where} has unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"it takes {', '.join(SETTINGS)}.")
    return table


def _tolerance(path: Path, metric: str, raw: Any) -> Tolerance:
    """One metric's tolerance table: finite non-negative absolute and relative, a boolean ignore."""
    if not isinstance(raw, dict) or set(raw) - {"absolute", "relative", "ignore"}:
        raise InputError(f"{path}: tolerance for {metric!r} must be a table with absolute, relative "
                         f"and/or ignore, got {raw!r}.")
    for key in ("absolute", "relative"):
        value = raw.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
            raise InputError(f"{path}: tolerance {key} for {metric!r} must be a finite number ≥ 0, got {value!r}.")
    if not isinstance(raw.get("ignore", False), bool):
        raise InputError(f"{path}: tolerance ignore for {metric!r} must be true or false, got {raw['ignore']!r}.")
    return replace(Tolerance(), **{k: float(v) if k != "ignore" else v for k, v in raw.items()})
