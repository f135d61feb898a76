"""What the Fashion-MNIST baselines share: the train split (never the test split), the 8-bit grid,
dequantisation for adversarial training, and a loop that trains for a fixed budget of images."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import torch

from genbench.data.fashion import LEVELS, N_CLASSES, load_fashion

log = logging.getLogger(__name__)


def train_split() -> tuple[torch.Tensor, torch.Tensor]:
    """fashion/train: images (60000, 1, 28, 28) on the 256-level grid in [0, 1] and labels (60000,)."""
    data = load_fashion("train")
    return data.images, data.labels


def data_fact(images: torch.Tensor, seen: int) -> str:
    return f"fashion/train, {len(images):,} images; {seen:,} seen in training ({seen / len(images):.2f} epochs)"


def to_levels(images: torch.Tensor) -> torch.Tensor:
    """[0, 1] intensities → integer levels 0…255, int64."""
    return (images.clamp(0, 1) * (LEVELS - 1)).round().long()


def dequantize(images: torch.Tensor) -> torch.Tensor:
    """Spread each real pixel uniformly within its 8-bit level, so a discriminator cannot win by
    spotting the grid a generator's continuous output never lands on exactly."""
    half = 0.5 / (LEVELS - 1)
    return (images + (torch.rand_like(images) * 2 - 1) * half).clamp(0, 1)


def onehot(labels: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels, N_CLASSES).float()


def train_for(images_budget: int, batch_size: int, n_train: int, generator: torch.Generator,
              step: Callable[[torch.Tensor], float], log_every: int = 100) -> int:
    """Call ``step(indices)`` on shuffled minibatches of the train split until ``images_budget``
    images have been seen (a fixed amount of work, so the recipe is reproducible); returns the
    number of steps."""
    steps, seen, started = 0, 0, time.perf_counter()
    while seen < images_budget:
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train - batch_size + 1, batch_size):
            loss = step(order[start:start + batch_size])
            steps, seen = steps + 1, seen + batch_size
            if steps % log_every == 0:
                log.info("step %d (%d images, %.0f s): loss %.4f", steps, seen, time.perf_counter() - started, loss)
            if seen >= images_budget:
                break
    return steps
