"""A metric state of per-item values: each batch adds its items' values."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

Measure = Callable[[Any], np.ndarray]  # batch → one value per item


class PerItemState:
    """``resources`` holds what the scores need besides the values (loaded networks, their reasons)."""

    def __init__(self, measures: dict[str, Measure], **resources: Any) -> None:
        self.measures = measures
        self.resources = resources
        self.values: dict[str, list[np.ndarray]] = {name: [] for name in measures}

    def update(self, batch: Any) -> None:
        for name, measure in self.measures.items():
            self.values[name].append(np.asarray(measure(batch), dtype=np.float64))

    def lists(self) -> dict[str, list]:
        return self.values

    def restore(self, lists: dict[str, list]) -> None:
        self.values = lists

    def items(self, name: str) -> np.ndarray | None:
        """All items' values in order, or None for a measure this state does not take."""
        if name not in self.values:
            return None
        return np.concatenate(self.values[name]) if self.values[name] else np.zeros(0)
