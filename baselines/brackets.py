"""The two brackets every score on ``images/digits`` sits between.

``RealTrain`` is the ceiling: its samples *are* train images, so a metric that cannot tell it
from the test split is working. ``PixelNoise`` is the floor: each pixel drawn independently from
its own 17-level histogram over the train split (add-one smoothed), so it knows where ink tends to
be but nothing about strokes. It has an exact likelihood, which makes it the bits/dim floor too.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn

from genbench.data.digits import IMAGE_SHAPE, LEVELS, load_digits
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import mean_bits_per_dim, count_parameters, data_fact, load_shipped, train_images

log = logging.getLogger(__name__)


class _Draws:
    """One generator's draws from a pool of ``size`` indices: successive permutations, consumed in order.

    A caller that asks for a request in batches passes the same generator to every call, so the
    draws of a whole request continue one permutation: no index repeats until the pool is used up.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.queue = torch.empty(0, dtype=torch.int64)

    def take(self, n: int, generator: torch.Generator) -> torch.Tensor:
        while len(self.queue) < n:  # a new pass over the pool only once the last one is spent
            self.queue = torch.cat([self.queue, torch.randperm(self.size, generator=generator)])
        taken, self.queue = self.queue[:n], self.queue[n:]
        return taken


class RealTrain(nn.Module):
    """Samples are train images, drawn without replacement across every call made with one
    generator until the split (1,347 images) is used up, then in a fresh pass. Asked for labels,
    it draws train images of each requested class the same way, per class (the conditional ceiling).

    Drawing per call would reshuffle each batch: 450 samples asked for in batches of 150 would
    hold only about 405 distinct images. Draws are kept per generator object (weakly, so they go
    with it); the first call with a generator draws from it exactly as a single call always did.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        super().__init__()
        self.register_buffer("images", images.clone(), persistent=False)  # (N, 1, 8, 8)
        self.register_buffer("labels", labels.clone(), persistent=False)  # (N,)
        self._draws: weakref.WeakKeyDictionary[torch.Generator, _Draws] = weakref.WeakKeyDictionary()
        self._class_draws: weakref.WeakKeyDictionary[torch.Generator, dict[int, _Draws]] = (
            weakref.WeakKeyDictionary())

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        draws = self._draws.setdefault(generator, _Draws(len(self.images)))
        idx = draws.take(n, generator)
        return self.images[idx.to(self.images.device)].clamp(0, 1)

    @torch.no_grad()
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        out = torch.empty(len(labels), *self.images.shape[1:], device=self.images.device)
        per_class = self._class_draws.setdefault(generator, {})
        for label in labels.unique().tolist():
            wanted = (labels == label).nonzero().flatten()  # positions asking for this class
            pool = (self.labels.cpu() == label).nonzero().flatten()  # ~135 train images per class
            draws = per_class.setdefault(label, _Draws(len(pool)))
            pick = pool[draws.take(len(wanted), generator)]
            out[wanted.to(out.device)] = self.images[pick.to(out.device)]
        return out.clamp(0, 1)


@dataclass(frozen=True)
class PixelNoiseConfig:
    pixels: int = IMAGE_SHAPE[1] * IMAGE_SHAPE[2]  # 64, one categorical each
    levels: int = LEVELS  # 17 intensity values, level / 16
    image_shape: tuple[int, int, int] = IMAGE_SHAPE
    smoothing: float = 1.0  # add-one: no level gets probability 0


class PixelNoise(nn.Module):
    """Independent categorical per pixel; ``log_probs`` (64, 17) is all it knows."""

    def __init__(self, config: PixelNoiseConfig = PixelNoiseConfig()):
        super().__init__()
        self.config = config
        # fitted, not trained by gradient: a parameter only so it is counted and saved like one
        uniform = torch.full((config.pixels, config.levels), 1.0 / config.levels).log()  # (64, 17)
        self.log_probs = nn.Parameter(uniform, requires_grad=False)

    def _levels(self, images: torch.Tensor) -> torch.Tensor:
        """[0, 1] intensities → each pixel's level (n, pixels), int64."""
        return (images.clamp(0, 1) * (self.config.levels - 1)).round().long().flatten(1)

    def fit(self, images: torch.Tensor) -> None:
        levels = self._levels(images)  # (N, 64) in 0…16
        counts = torch.zeros(self.config.pixels, self.config.levels)
        counts.scatter_add_(1, levels.T, torch.ones(levels.T.shape))  # (64, 17) histogram per pixel
        counts += self.config.smoothing
        # log in float64, then rounded: float32 log differs by an ULP between CPU instruction sets,
        # which would make the recipe's weights depend on the machine that trains them.
        probs = counts.double() / counts.double().sum(1, keepdim=True)
        self.log_probs.copy_(probs.log().float())

    @torch.no_grad()
    def log_prob(self, images: torch.Tensor) -> torch.Tensor:
        levels = self._levels(images).to(self.log_probs.device)  # (n, 64)
        per_pixel = self.log_probs.T.gather(0, levels)  # (n, 64): log p of each pixel's level
        return per_pixel.sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        probs = self.log_probs.exp().cpu()  # (64, 17); multinomial with a CPU generator
        levels = torch.multinomial(probs, n, replacement=True, generator=generator).T  # (n, 64)
        images = levels.float().view(n, *self.config.image_shape) / (self.config.levels - 1)
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
