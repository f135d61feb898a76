"""A DCGAN (Radford et al., 2016) scaled down to 8×8 digits.

The generator lifts a Gaussian latent to a 2×2 feature map and doubles it twice with transposed
convolutions; the discriminator mirrors it with strided convolutions. Only the generator ships:
``sample`` is all a GAN offers (no encoder, no likelihood).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.data.digits import LEVELS
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import card_facts, count_parameters, data_fact, load_shipped, minibatches, train_images

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DCGANConfig:
    z: int = 32  # latent size
    width: int = 32  # channels at 8×8; doubled at 4×4 and again at 2×2
    epochs: int = 150
    batch_size: int = 64
    lr: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)  # DCGAN's Adam settings
    r1: float = 0.1  # weight of the R1 gradient penalty on real images; without it G collapses to a few digits


class Generator(nn.Module):
    def __init__(self, config: DCGANConfig):
        super().__init__()
        w = config.width
        self.net = nn.Sequential(
            nn.Linear(config.z, 4 * w * 4, bias=False), nn.Unflatten(1, (4 * w, 2, 2)),  # (n, 4w, 2, 2)
            nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),  # (n, 2w, 4, 4)
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),  # (n, w, 8, 8)
            nn.Conv2d(w, 1, 3, padding=1),  # (n, 1, 8, 8) logits of intensity
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z))  # (n, 1, 8, 8) in [0, 1]


class Discriminator(nn.Module):
    def __init__(self, config: DCGANConfig):
        super().__init__()
        w = config.width
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.LeakyReLU(0.2),  # (n, w, 8, 8)
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # (n, 2w, 4, 4)
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # (n, 4w, 2, 2)
            nn.Flatten(), nn.Linear(16 * w, 1),  # (n, 1) real-vs-fake logit
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images * 2 - 1)[:, 0]


class DCGAN(nn.Module):
    """The shipped model: the generator and its latent prior."""

    def __init__(self, config: DCGANConfig = DCGANConfig()):
        super().__init__()
        self.config = config
        self.generator = Generator(config)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.z, generator=generator).to(device)  # drawn on CPU for the generator
        return self.generator(z).clamp(0, 1)


def load(device: torch.device) -> DCGAN:
    return load_shipped(DCGAN(), RECIPE.weights_name, device)


def dequantize(images: torch.Tensor) -> torch.Tensor:
    """Spread real pixels uniformly within their intensity level, so the discriminator cannot win by
    spotting the 17-level grid that the generator's continuous output never lands on exactly."""
    half = 0.5 / (LEVELS - 1)
    return (images + (torch.rand_like(images) * 2 - 1) * half).clamp(0, 1)


def adversarial_step(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     opt_d: torch.optim.Optimizer, opt_g: torch.optim.Optimizer, r1_weight: float) -> torch.Tensor:
    """One discriminator step, then one generator step; returns (D loss, G loss). The conditional
    GAN reuses it with its labels bound into ``critic``."""
    # discriminator: real → 1, fake → 0 (fake detached: this step must not move G)
    real = dequantize(real).requires_grad_(True)
    score_real = critic(real)
    (grad,) = torch.autograd.grad(score_real.sum(), real, create_graph=True)  # (n, 1, 8, 8)
    r1 = grad.pow(2).flatten(1).sum(1).mean()  # R1: keep D flat on the data, so it cannot overshoot
    loss_d = F.softplus(-score_real).mean() + F.softplus(critic(fake.detach())).mean() + 0.5 * r1_weight * r1
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    # generator: the non-saturating loss −log D(G(z))
    loss_g = F.softplus(-critic(fake)).mean()
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return torch.tensor([loss_d.item(), loss_g.item()])


def train(out_dir: Path, seed: int, config: DCGANConfig = DCGANConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    images = train_images()
    model, critic = DCGAN(config), Discriminator(config)
    opt_g = torch.optim.Adam(model.parameters(), lr=config.lr, betas=config.betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=config.lr, betas=config.betas)
    for epoch in range(config.epochs):
        model.train()
        sums = torch.zeros(2)
        for real in minibatches(images, config.batch_size, order):
            fake = model.generator(torch.randn(len(real), config.z))
            sums += adversarial_step(critic, real, fake, opt_d, opt_g, config.r1) * len(real)
        if (epoch + 1) % 25 == 0:
            d, g = (sums / len(images)).tolist()
            log.info("epoch %d: D loss %.3f, G loss %.3f", epoch + 1, d, g)
    model.eval()
    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    optimiser = f"Adam, lr {config.lr:g}, betas {config.betas} (G and D)"
    facts = card_facts(model, data_fact(images), config.epochs, config.batch_size, optimiser)
    facts["parameters"] += " (generator; shipped)"
    facts["discriminator parameters"] = f"{count_parameters(critic):,} (training only; not shipped)"
    facts["latent size"] = str(config.z)
    facts["loss"] = f"non-saturating GAN loss, R1 penalty {config.r1:g} on real images dequantized within their level"
    return TrainResult(weights=weights, facts=facts)


RECIPE = Recipe(
    name="dcgan",
    seed=0,
    description="A small DCGAN (transposed-conv generator from a 32-d Gaussian latent, strided-conv "
    "discriminator) trained on digits/train. Only the generator is shipped; it offers sampling.",
    train=train,
    weights_name="dcgan.safetensors",
)
