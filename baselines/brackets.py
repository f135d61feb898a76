"""The two brackets every score on ``images/digits`` sits between.

``RealTrain`` is the ceiling: its samples *are* train images, so a metric that cannot tell it
from the test split is working. ``PixelNoise`` is the floor: each pixel drawn independently from
its own 17-level histogram over the train split (add-one smoothed), so it knows where ink tends to
be but nothing about strokes. It has an exact likelihood, which makes it the bits/dim floor too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn

from genbench.data.digits import IMAGE_SHAPE, LEVELS, load_digits
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import mean_bits_per_dim, count_parameters, data_fact, load_shipped, to_levels, train_images

log = logging.getLogger(__name__)


class RealTrain(nn.Module):
    """Samples are train images: without replacement up to the split's size, with replacement beyond.
    Asked for labels, it draws train images of each requested class (the conditional ceiling)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        super().__init__()
        self.register_buffer("images", images.clone(), persistent=False)  # (N, 1, 8, 8)
        self.register_buffer("labels", labels.clone(), persistent=False)  # (N,)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        count = len(self.images)
        if n <= count:
            idx = torch.randperm(count, generator=generator)[:n]
        else:
            idx = torch.randint(count, (n,), generator=generator)
        return self.images[idx.to(self.images.device)].clamp(0, 1)

    @torch.no_grad()
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        out = torch.empty(len(labels), *IMAGE_SHAPE, device=self.images.device)
        for label in labels.unique().tolist():
            wanted = (labels == label).nonzero().flatten()  # positions asking for this class
            pool = (self.labels.cpu() == label).nonzero().flatten()
            pick = pool[torch.randperm(len(pool), generator=generator)[: len(wanted)]]  # 45 ≤ ~135 per class
            out[wanted.to(out.device)] = self.images[pick.to(out.device)]
        return out.clamp(0, 1)


@dataclass(frozen=True)
class PixelNoiseConfig:
    pixels: int = IMAGE_SHAPE[1] * IMAGE_SHAPE[2]  # 64, one categorical each
    levels: int = LEVELS  # 17 intensity values, level / 16
    smoothing: float = 1.0  # add-one: no level gets probability 0


class PixelNoise(nn.Module):
    """Independent categorical per pixel; ``log_probs`` (64, 17) is all it knows."""

    def __init__(self, config: PixelNoiseConfig = PixelNoiseConfig()):
        super().__init__()
        self.config = config
        # fitted, not trained by gradient: a parameter only so it is counted and saved like one
        uniform = torch.full((config.pixels, config.levels), 1.0 / config.levels).log()  # (64, 17)
        self.log_probs = nn.Parameter(uniform, requires_grad=False)

    def fit(self, images: torch.Tensor) -> None:
        levels = to_levels(images).flatten(1)  # (N, 64) in 0…16
        counts = torch.zeros(self.config.pixels, self.config.levels)
        counts.scatter_add_(1, levels.T, torch.ones(levels.T.shape))  # (64, 17) histogram per pixel
        counts += self.config.smoothing
        # log in float64, then rounded: float32 log differs by an ULP between CPU instruction sets,
        # which would make the recipe's weights depend on the machine that trains them.
        probs = counts.double() / counts.double().sum(1, keepdim=True)
        self.log_probs.copy_(probs.log().float())

    @torch.no_grad()
    def log_prob(self, images: torch.Tensor) -> torch.Tensor:
        levels = to_levels(images).flatten(1).to(self.log_probs.device)  # (n, 64)
        per_pixel = self.log_probs.T.gather(0, levels)  # (n, 64): log p of each pixel's level
        return per_pixel.sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        probs = self.log_probs.exp().cpu()  # (64, 17); multinomial with a CPU generator
        levels = torch.multinomial(probs, n, replacement=True, generator=generator).T  # (n, 64)
        images = levels.float().view(n, *IMAGE_SHAPE) / (self.config.levels - 1)
        return images.to(self.log_probs.device).clamp(0, 1)


def load_real_train(device: torch.device) -> RealTrain:
    train = load_digits("train")
    return RealTrain(train.images, train.labels).to(device).eval()


def load_pixel_noise(device: torch.device) -> PixelNoise:
    return load_shipped(PixelNoise(), PIXEL_NOISE_RECIPE.weights_name, device)


def train_pixel_noise(out_dir: Path, seed: int) -> TrainResult:
    torch.manual_seed(seed)  # nothing random here; kept so every recipe starts the same way
    images = train_images()
    model = PixelNoise()
    with torch.no_grad():
        model.fit(images)
    bpd = mean_bits_per_dim(model.log_prob(images), model.config.pixels)
    log.info("pixel-noise: train %.3f bits/dim", bpd)
    weights = out_dir / PIXEL_NOISE_RECIPE.weights_name
    save_module(model, weights)
    facts = {
        "parameters": f"{count_parameters(model):,}",
        "data": data_fact(images),
        "epochs": "— (counted, not trained: one pass of histograms)",
        "batch size": "—",
        "optimiser": f"none; add-{model.config.smoothing:g} smoothed counts",
        "train bits/dim": f"{bpd:.3f}",
    }
    return TrainResult(weights=weights, facts=facts)


PIXEL_NOISE_RECIPE = Recipe(
    name="pixel-noise",
    seed=0,
    description="The floor bracket: an independent 17-level categorical per pixel, fitted to "
    "digits/train by add-one smoothed counts. Samples are noise with the digits' ink layout.",
    train=train_pixel_noise,
    weights_name="pixel-noise.safetensors",
)
