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

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
        if not Path(explicit).is_file():
            raise InputError(f"Config file {explicit} does not exist.")
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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc}).") from exc
    table: Any = data if path.name == "genbench.toml" else data.get("tool", {}).get("genbench")
    if table is None:
        return GateConfig(dict(DEFAULT_TOLERANCES))
    tolerances = dict(DEFAULT_TOLERANCES)
    for metric, raw in table.get("tolerance", {}).items():
        if not isinstance(raw, dict) or set(raw) - {"absolute", "relative", "ignore"}:
            raise InputError(f"{path}: tolerance for {metric!r} must be a table with absolute, relative "
                             f"and/or ignore, got {raw!r}.")
        tolerances[metric] = replace(Tolerance(), **raw)
    alpha = table.get("alpha", ALPHA)
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(f"{path}: alpha must be a number between 0 and 1, got {alpha!r}.")
    return GateConfig(tolerances, float(alpha), str(path))
