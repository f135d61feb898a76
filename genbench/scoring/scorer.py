"""Builds Score objects for one (task, source), with the signature fields they all share."""

from __future__ import annotations

from typing import Any

import numpy as np

from genbench.metrics import METRICS
from genbench.metrics.intervals import Estimate
from genbench.score import Score, as_items
from genbench.signature import Signature


class Scorer:
    """``preprocessing`` overrides the task's where it depends on the feature network (a user's images)."""

    def __init__(self, task: Any, label: str, n: int, seed: int, data_hash: str,
                 preprocessing: str | None = None) -> None:
        self.task, self.label, self.n, self.seed, self.data_hash = task, label, n, seed, data_hash
        self.preprocessing = task.preprocessing if preprocessing is None else preprocessing

    def __call__(self, metric: str, est: Estimate, settings: dict | None = None, features: str = "none",
                 features_sha: str = "none", device: str = "any", n: int | None = None,
                 items: np.ndarray | None = None) -> Score:
        info = METRICS.get(metric)
        n = self.n if n is None else n
        sig = Signature.make(settings, task=self.task.name, task_version=self.task.version,
                             data_hash=self.data_hash, metric=metric, implementation=info.implementation,
                             features=features, features_sha256=features_sha,
                             preprocessing=self.preprocessing, n=n, seed=self.seed, device=device,
                             interval=est.method)
        return Score(self.task.name, self.label, metric, est.value, info.clip(est.ci_low), info.clip(est.ci_high), n,
                     info.higher_is_better, sig, est.method, info.unit,
                     items=None if items is None else as_items(items))

    def unavailable(self, metric: str, reason: str, settings: dict | None = None) -> Score:
        info = METRICS.get(metric)
        sig = Signature.make(settings, task=self.task.name, task_version=self.task.version,
                             data_hash=self.data_hash, metric=metric, implementation=info.implementation,
                             preprocessing=self.preprocessing, n=self.n, seed=self.seed)
        return Score(self.task.name, self.label, metric, None, None, None, self.n, info.higher_is_better,
                     sig, "none", info.unit, unavailable_reason=reason)
