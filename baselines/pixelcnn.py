"""PixelCNN (van den Oord et al., 2016) for 8×8 digits with a 17-way softmax per pixel.

Pixels are predicted in raster order: p(x) = Π_i p(x_i | x_<i). Masked convolutions keep the
ordering: the first layer (mask A) cannot see the pixel it predicts, later layers (mask B) may see
their own position, which by then only carries information from earlier pixels. The softmax over
the 17 intensity levels (level = round(x·16)) makes ``log_prob`` an exact discrete likelihood.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.data.digits import IMAGE_SHAPE, LEVELS
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import card_facts, data_fact, fit, load_shipped, mean_bits_per_dim, to_levels, train_images

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PixelCNNConfig:
    levels: int = LEVELS  # softmax size per pixel
    channels: int = 48  # width of every hidden layer
    kernel_a: int = 7  # first layer; wide so the row above is seen almost whole on an 8-pixel image
    kernel_b: int = 5
    blocks: int = 5  # residual mask-B blocks
    dropout: float = 0.3  # inside each block; 1,347 images overfit a PixelCNN quickly
    epochs: int = 80
    batch_size: int = 32
    lr: float = 2e-3


class MaskedConv2d(nn.Conv2d):
    """A same-padded conv whose kernel sees only rows above and pixels to the left (A) or also the
    centre (B)."""

    def __init__(self, mask: str, c_in: int, c_out: int, k: int):
        super().__init__(c_in, c_out, k, padding=k // 2)
        m = torch.ones_like(self.weight)  # (c_out, c_in, k, k)
        m[:, :, k // 2, k // 2 + (mask == "B") :] = 0  # centre row: right of centre (and centre for A)
        m[:, :, k // 2 + 1 :] = 0  # rows below
        self.register_buffer("mask", m, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class ResidualBlock(nn.Module):
    def __init__(self, c: int, k: int, dropout: float):
        super().__init__()
        self.conv = MaskedConv2d("B", c, c, k)
        self.drop = nn.Dropout(dropout)
        self.mix = nn.Conv2d(c, c, 1)  # per-position mixing keeps the mask's causality

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(self.drop(F.relu(self.conv(F.relu(x)))))


class PixelCNN(nn.Module):
    def __init__(self, config: PixelCNNConfig = PixelCNNConfig()):
        super().__init__()
        self.config = config
        c = config.channels
        self.stem = MaskedConv2d("A", 1, c, config.kernel_a)
        self.blocks = nn.Sequential(*[ResidualBlock(c, config.kernel_b, config.dropout) for _ in range(config.blocks)])
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, config.levels, 1))

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 1, 8, 8) in [0, 1] → (n, 17, 8, 8): logits for each pixel given the pixels before it."""
        x = images * 2 - 1  # centred input
        return self.head(self.blocks(self.stem(x)))

    def nll(self, images: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood in nats (n,), differentiable; images snapped to the grid."""
        levels = to_levels(images)[:, 0]  # (n, 8, 8)
        x = levels.float() / (self.config.levels - 1)
        return F.cross_entropy(self.logits(x.unsqueeze(1)), levels, reduction="none").flatten(1).sum(1)

    @torch.no_grad()
    def log_prob(self, images: torch.Tensor) -> torch.Tensor:
        device = next(self.parameters()).device
        return -self.nll(images.to(device))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        device = next(self.parameters()).device
        _, h, w = IMAGE_SHAPE
        x = torch.zeros(n, *IMAGE_SHAPE, device=device)
        for i in range(h):  # raster order: 64 forward passes, each fixes one pixel
            for j in range(w):
                # Masks never look below the current row, so rows > i can be left out: same logits,
                # about half the work on average.
                probs = self.logits(x[:, :, : i + 1])[:, :, i, j].softmax(1).cpu()  # (n, 17) on CPU for the generator
                level = torch.multinomial(probs, 1, generator=generator)[:, 0]  # (n,)
                x[:, 0, i, j] = level.to(device).float() / (self.config.levels - 1)
        return x.clamp(0, 1)


def load(device: torch.device) -> PixelCNN:
    return load_shipped(PixelCNN(), RECIPE.weights_name, device)


def train(out_dir: Path, seed: int, config: PixelCNNConfig = PixelCNNConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    images = train_images()
    model = PixelCNN(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps = config.epochs * math.ceil(len(images) / config.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=steps, pct_start=0.05)
    dims = math.prod(IMAGE_SHAPE)
    history = fit(model, images, lambda batch: model.nll(batch).mean() / dims,  # nats per pixel
                  config.epochs, config.batch_size, order, opt, sched)
    log.info("last epoch: train %.3f bits/dim (running)", history[-1] / math.log(2))
    bpd = mean_bits_per_dim(model.log_prob(images), dims)
    log.info("pixelcnn: train %.3f bits/dim", bpd)
    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    facts = card_facts(model, data_fact(images), config.epochs, config.batch_size,
                       f"Adam, one-cycle lr peak {config.lr:g}")
    facts["train bits/dim"] = f"{bpd:.3f}"
    return TrainResult(weights=weights, facts=facts)


RECIPE = Recipe(
    name="pixelcnn",
    seed=0,
    description="A PixelCNN (mask-A stem, residual mask-B blocks) with a 17-way softmax per pixel, "
    "trained by maximum likelihood on digits/train. Exact log-likelihood; raster-order sampling.",
    train=train,
    weights_name="pixelcnn.safetensors",
)
