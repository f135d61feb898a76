"""What a feature network gives the metrics: embeddings and class logits, plus its identity."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import torch


@dataclass(frozen=True)
class FeatureNetwork:
    """``embed`` maps images (N, C, H, W) in [0, 1], on ``module``'s device, to a dict with
    ``features`` (N, D) and ``logits`` (N, K); calling the network handles devices and batching.

    ``input_size`` is the side of the square images ``embed`` expects when the caller must resize
    them first (the ImageNet networks); None where ``embed`` takes the task's images as they are.
    """

    name: str
    sha256: str
    dim: int
    preprocessing: str
    embed: Callable[[torch.Tensor], dict[str, torch.Tensor]]
    module: torch.nn.Module  # what holds the weights (moved by ``to``)
    input_size: int | None = None
    eight_bit_input: bool = False  # embed rounds its input to 8 bits (torch-fidelity's Inception)
    resizes_itself: bool = False  # embed takes any size and resizes as torch-fidelity does

    def to(self, device: torch.device) -> "FeatureNetwork":
        return replace(self, module=self.module.to(device))

    @property
    def device(self) -> torch.device:
        weights = next(self.module.parameters(), None)  # a network may hold no weights at all
        return torch.device("cpu") if weights is None else weights.device

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, batch_size: int | None = None) -> dict[str, torch.Tensor]:
        """Outputs as float64 on the CPU, whatever device the network runs on."""
        # ImageNet-sized inputs: a few dozen at a time keep the activations to tens of MiB.
        batch_size = batch_size or (256 if self.input_size is None else 32)
        device = self.device
        parts = [self.embed(images[i:i + batch_size].to(device)) for i in range(0, len(images), batch_size)]
        return {key: torch.cat([p[key].double().cpu() for p in parts]) for key in parts[0]}
