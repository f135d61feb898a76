"""What a feature network gives the metrics: embeddings and class logits, plus its identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch


@dataclass(frozen=True)
class FeatureNetwork:
    """``embed`` maps images (N, C, H, W) in [0, 1] to a dict with ``features`` (N, D) and ``logits`` (N, K)."""

    name: str
    sha256: str
    dim: int
    preprocessing: str
    embed: Callable[[torch.Tensor], dict[str, torch.Tensor]]

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, batch_size: int = 256) -> dict[str, torch.Tensor]:
        parts = [self.embed(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        return {key: torch.cat([p[key] for p in parts]).double().cpu() for key in parts[0]}
