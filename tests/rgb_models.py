"""An RGB sampler for tests of a team's declared image tasks, loaded as ``rgb_models:grey_noise``."""

from __future__ import annotations

import torch


class GreyNoise:
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return (0.5 + 0.16 * torch.randn((n, 3, 32, 32), generator=generator)).clamp(0, 1)


def grey_noise(device: torch.device) -> GreyNoise:
    return GreyNoise()
