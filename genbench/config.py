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


@dataclass(frozen=True)
class Tolerance:
    absolute: float = 0.0
    relative: float = 0.0
    ignore: bool = False  # never a regression (e.g. cost on a machine that is not dedicated)

    def allowed(self, base: float) -> float:
        return max(self.absolute, self.relative * abs(base))


DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "fid": Tolerance(relative=0.10),
    "kid": Tolerance(relative=0.10),
    "kid_std": Tolerance(ignore=True),
    "precision": Tolerance(absolute=0.02),
    "recall": Tolerance(absolute=0.02),
    "density": Tolerance(absolute=0.05),
    "coverage": Tolerance(absolute=0.02),
    "classifier_score": Tolerance(relative=0.05),
    "modes_covered": Tolerance(absolute=0.5),
    "class_js": Tolerance(absolute=0.01),
    "bits_per_dim": Tolerance(absolute=0.01),
    "psnr": Tolerance(absolute=0.2),
    "ssim": Tolerance(absolute=0.01),
    "lpips": Tolerance(absolute=0.01),
    "bleu": Tolerance(absolute=0.5),
    "chrf": Tolerance(absolute=0.5),
    "ter": Tolerance(absolute=1.0),
    "semantic_similarity": Tolerance(absolute=0.01),
    "length_ratio": Tolerance(absolute=0.02),
    "distinct_1": Tolerance(absolute=0.02),
    "distinct_2": Tolerance(absolute=0.02),
    "self_bleu": Tolerance(absolute=2.0),
    "bits_per_char": Tolerance(absolute=0.02),
    "perplexity_own_tokens": Tolerance(relative=0.02),
    "throughput": Tolerance(relative=0.5),
    "tokens_per_s": Tolerance(relative=0.5),
    "latency_p50": Tolerance(relative=1.0),
    "latency_p95": Tolerance(relative=1.0),
    "peak_cuda_allocated": Tolerance(relative=0.2, absolute=16),
    "peak_rss_increase": Tolerance(relative=1.0, absolute=64),
    "parameters": Tolerance(),
}
FALLBACK = Tolerance(relative=0.05)
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
