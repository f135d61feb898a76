"""LPIPS per item, shared by the reconstruction and style kinds, or the exact reason it is unavailable."""

from __future__ import annotations

import numpy as np
import torch

from genbench.data.dataset import spans
from genbench.errors import UnavailableError
from genbench.metrics.intervals import mean_with_interval
from genbench.score import Score
from genbench.scoring.context import RunOptions
from genbench.scoring.scorer import Scorer

LPIPS_BATCH = 64


class Lpips:
    """Loaded once per evaluation; ``reason`` names the missing weights file when it cannot run."""

    def __init__(self, options: RunOptions) -> None:
        from genbench.features.lpips_net import load_lpips

        self.reason: str | None = None
        try:
            self.distance, self.sha = load_lpips(options.weights_dir, device=options.device)
        except UnavailableError as exc:
            self.distance, self.sha, self.reason = None, "none", str(exc)

    @property
    def available(self) -> bool:
        return self.distance is not None

    def __call__(self, outputs: torch.Tensor, targets: torch.Tensor) -> np.ndarray:
        return torch.cat([self.distance(outputs[s:s + n], targets[s:s + n])
                          for s, n in spans(len(targets), LPIPS_BATCH)]).double().numpy()

    def score(self, metric: str, values: np.ndarray | None, score: Scorer, resamples: int, seed: int,
              settings: dict) -> Score:
        if values is None:
            return score.unavailable(metric, str(self.reason), settings)
        return score(metric, mean_with_interval(values, resamples, seed), settings,
                     features="lpips-alex", features_sha=self.sha, items=values)
