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
        return _from_file(Path(explicit))
    for candidate in (cwd / "genbench.toml", cwd / "pyproject.toml"):
        if candidate.is_file():
            config = _from_file(candidate)
            if config.source != "defaults":
                return config
    return GateConfig(dict(DEFAULT_TOLERANCES))


def _from_file(path: Path) -> GateConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:  # nesting beyond the parser
        raise InputError(f"{path}: not valid TOML ({exc}).") from exc
    tool = data.get("tool", {})
    table: Any = data if path.name == "genbench.toml" else tool.get("genbench") if isinstance(tool, dict) else None
    if table is None:
        return GateConfig(dict(DEFAULT_TOLERANCES))
    where = "the file" if path.name == "genbench.toml" else "[tool.genbench]"
    if not isinstance(table, dict) or not isinstance(table.get("tolerance", {}), dict):
        raise InputError(f"{path}: {where} and its tolerance entry must be tables.")
    tolerances = dict(DEFAULT_TOLERANCES)
    for metric, raw in table.get("tolerance", {}).items():
        tolerances[metric] = _tolerance(path, metric, raw)
    alpha = table.get("alpha", ALPHA)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(f"{path}: alpha must be a number between 0 and 1, got {alpha!r}.")
    return GateConfig(tolerances, float(alpha), str(path))


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
