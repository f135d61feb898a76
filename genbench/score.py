"""A score: one metric's value for one (task, model, seed), never separated from its signature."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genbench.signature import Signature

Items = tuple[float, ...] | tuple[tuple[float, ...], ...]


def as_items(values: Any) -> Items:
    """Per-item values (a sequence of numbers) or statistics (a sequence of rows) as nested tuples."""
    return tuple(tuple(float(v) for v in row) if isinstance(row, (list, tuple, np.ndarray)) else float(row)
                 for row in values)


@dataclass(frozen=True)
class Score:
    task: str
    model: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    higher_is_better: bool
    signature: Signature
    interval_method: str = "none"
    unit: str = ""
    # Why the value is missing, e.g. the exact weights file a metric needs.
    unavailable_reason: str | None = None
    # Per-item values in the task's item order, where the metric is a mean over items, or per-item
    # sufficient statistics (one row per item) where the metric aggregates them (BLEU, chrF, TER);
    # paired significance tests between two models resample these.
    items: Items | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        def clean(x: float | None) -> float | None:
            return None if x is None or (isinstance(x, float) and math.isnan(x)) else x

        return {
            "task": self.task,
            "model": self.model,
            "metric": self.metric,
            "value": clean(self.value),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "n": self.n,
            "higher_is_better": self.higher_is_better,
            "unit": self.unit,
            "interval_method": self.interval_method,
            "unavailable_reason": self.unavailable_reason,
            "signature": self.signature.render(),
            "items": list(self.items) if self.items is not None else None,
        }
